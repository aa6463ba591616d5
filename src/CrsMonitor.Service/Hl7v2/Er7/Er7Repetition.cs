namespace CrsMonitor.Service.Hl7v2.Er7;

/// <summary>One repetition of a field (a field that does not repeat has one): its components.</summary>
public sealed class Er7Repetition
{
    private readonly Er7Component[] _components;

    internal Er7Repetition(Er7Component[] components) => _components = components;

    /// <summary>A repetition that is absent or written empty: no components.</summary>
    public static Er7Repetition Empty { get; } = new([]);

    /// <summary>The components; none when the repetition is empty.</summary>
    public IReadOnlyList<Er7Component> Components => _components;

    /// <summary>The component numbered from 1; <see cref="Er7Component.Empty"/> past the last.</summary>
    public Er7Component this[int component]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(component, 1);
            return component <= _components.Length ? _components[component - 1] : Er7Component.Empty;
        }
    }

    /// <summary>The first component's first sub-component, unescaped.</summary>
    public string Value => this[1].Value;

    internal bool HasText => _components.Any(c => c.HasText);
}
