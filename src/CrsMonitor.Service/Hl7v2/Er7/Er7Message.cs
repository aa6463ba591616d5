namespace CrsMonitor.Service.Hl7v2.Er7;

/// <summary>
/// One parsed ER7 message: its delimiters (which an ACK reuses) and its segments in order. Made by
/// <see cref="Er7Parser.Parse"/>, which has already refused anything malformed, so reading it never throws for the
/// input's sake.
/// </summary>
public sealed class Er7Message
{
    private readonly Er7Segment[] _segments;

    internal Er7Message(Er7Delimiters delimiters, Er7Segment[] segments)
    {
        Delimiters = delimiters;
        _segments = segments;
    }

    public Er7Delimiters Delimiters { get; }

    /// <summary>Every segment in message order; the first is always MSH.</summary>
    public IReadOnlyList<Er7Segment> Segments => _segments;

    /// <summary>The message header, <c>Segments[0]</c>.</summary>
    public Er7Segment Msh => _segments[0];

    /// <summary>Every segment with this id, in message order.</summary>
    public IEnumerable<Er7Segment> All(string id) => _segments.Where(s => string.Equals(s.Id, id, StringComparison.Ordinal));

    /// <summary>The first segment with this id, or null.</summary>
    public Er7Segment? First(string id) => Array.Find(_segments, s => string.Equals(s.Id, id, StringComparison.Ordinal));
}
