namespace CrsMonitor.Service.Hl7v2.Er7;

/// <summary>
/// One field of a segment: its repetitions. Most fields do not repeat, so the shortcuts (<see cref="Value"/>, the
/// component indexer) read the first repetition; a reader of a repeating field (PID-3, OBX-5 of some devices) walks
/// <see cref="Repetitions"/>.
/// </summary>
public sealed class Er7Field
{
    private readonly Er7Repetition[] _repetitions;

    internal Er7Field(Er7Repetition[] repetitions, bool isNull)
    {
        _repetitions = repetitions;
        IsNull = isNull;
        IsPresent = repetitions.Any(r => r.HasText);
    }

    /// <summary>A field that is absent or written empty: no repetitions.</summary>
    public static Er7Field Empty { get; } = new([], false);

    /// <summary>The repetitions; none when the field is empty (<c>||</c>).</summary>
    public IReadOnlyList<Er7Repetition> Repetitions => _repetitions;

    /// <summary>
    /// The field has a non-empty value somewhere (a field of only delimiters, <c>^^~</c>, has not). The explicit null
    /// <c>""</c> counts as present: it says something (delete the receiver's value); tell it apart with <see cref="IsNull"/>.
    /// </summary>
    public bool IsPresent { get; }

    /// <summary>The HL7 explicit null: the field is exactly <c>""</c> (two double quotes).</summary>
    public bool IsNull { get; }

    /// <summary>The first repetition; <see cref="Er7Repetition.Empty"/> when there is none.</summary>
    public Er7Repetition First => _repetitions.Length > 0 ? _repetitions[0] : Er7Repetition.Empty;

    /// <summary>The first component's first sub-component of the first repetition, unescaped (<c>""</c> when absent).</summary>
    public string Value => First.Value;

    /// <summary>The value of the first repetition's component numbered from 1 (<c>""</c> when absent).</summary>
    public string this[int component] => First[component].Value;

    /// <summary>A field that holds one value as written, not split or unescaped (MSH-1, MSH-2).</summary>
    internal static Er7Field Literal(string value) => new([new Er7Repetition([Er7Component.Literal(value)])], false);
}
