namespace CrsMonitor.Service.Hl7v2.Er7;

/// <summary>
/// One component of a field repetition: its sub-components, already unescaped (the parser decodes escape sequences
/// per sub-component, so what a caller reads is the text the sender meant, delimiters included).
/// </summary>
public sealed class Er7Component
{
    private readonly string[] _subComponents;

    internal Er7Component(string[] subComponents) => _subComponents = subComponents;

    /// <summary>A component that is absent or written empty: no sub-components, every value <c>""</c>.</summary>
    public static Er7Component Empty { get; } = new([]);

    /// <summary>The sub-components, unescaped; none when the component is empty.</summary>
    public IReadOnlyList<string> SubComponents => _subComponents;

    /// <summary>The sub-component numbered from 1; <c>""</c> past the last.</summary>
    public string this[int subComponent]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(subComponent, 1);
            return subComponent <= _subComponents.Length ? _subComponents[subComponent - 1] : string.Empty;
        }
    }

    /// <summary>The first sub-component: the whole value of a component that has no sub-components.</summary>
    public string Value => this[1];

    internal bool HasText => _subComponents.Any(s => s.Length > 0);

    internal static Er7Component Literal(string value) => new([value]);
}
