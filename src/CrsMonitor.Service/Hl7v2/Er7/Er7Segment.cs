namespace CrsMonitor.Service.Hl7v2.Er7;

/// <summary>
/// One segment: its id, where it is in the message, and its fields by their HL7 numbers. For MSH (and the batch
/// headers BHS, FHS, which have the same layout) field 1 is the field separator and field 2 the encoding characters,
/// each one literal value, so <c>msh[9]</c> is MSH-9 as every specification numbers it.
/// </summary>
public sealed class Er7Segment
{
    private readonly Er7Field[] _fields;

    internal Er7Segment(string id, int sequence, int position, Er7Field[] fields)
    {
        Id = id;
        Sequence = sequence;
        Position = position;
        _fields = fields;
    }

    /// <summary>The segment id, three characters (<c>OBX</c>).</summary>
    public string Id { get; }

    /// <summary>1-based occurrence of this id in the message (2 = the second OBX).</summary>
    public int Sequence { get; }

    /// <summary>1-based index of this segment in the message (MSH is 1).</summary>
    public int Position { get; }

    /// <summary>
    /// The highest field number written, trailing empty fields included (<c>PID|1||</c> has 3): what the sender put
    /// there, so a check for unexpected fields can see them.
    /// </summary>
    public int FieldCount => _fields.Length;

    /// <summary>The field numbered from 1 (HL7 numbering); <see cref="Er7Field.Empty"/> past <see cref="FieldCount"/>.</summary>
    public Er7Field this[int field]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(field, 1);
            return field <= _fields.Length ? _fields[field - 1] : Er7Field.Empty;
        }
    }

    /// <summary>A location in this segment, for an ERR segment or a message (note: component before repetition).</summary>
    public Er7Location At(int field, int component = 0, int repetition = 1, int subComponent = 0) =>
        new(Id, Sequence, field, repetition, component, subComponent);

    public override string ToString() => At(0).ToString();
}
