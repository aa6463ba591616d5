namespace CrsMonitor.Service.Hl7v2.Er7;

/// <summary>
/// Parses the text of one ER7 (pipe-and-hat) HL7 v2 message. No HL7 v2 library for .NET is available here, so this is
/// ours, and strict: anything it cannot read exactly is an <see cref="Er7FormatException"/> naming where and what,
/// which the listener answers with an error ACK; it never guesses. Linear in the length of the text, no recursion, and
/// bounded by <see cref="Er7Limits"/>.
/// </summary>
public static class Er7Parser
{
    /// <summary>
    /// The message, or an <see cref="Er7FormatException"/>. Segments end with CR, as HL7 says; CR LF and a lone LF are
    /// accepted too, since file-based tools and interface engines that pass messages through files often write them, and
    /// no data can contain either raw. Empty lines (and trailing separators) are ignored.
    /// </summary>
    public static Er7Message Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var delimiters = Er7Header.ReadDelimiters(text);
        var reader = new Er7SegmentReader(delimiters);
        var segments = new List<Er7Segment>();
        var span = text.AsSpan();
        var start = 0;
        while (start < span.Length)
        {
            var length = span[start..].IndexOfAny('\r', '\n');
            if (length < 0)
            {
                length = span.Length - start;
            }

            if (length > 0)
            {
                var header = segments.Count == 0 ? null : delimiters;
                segments.Add(reader.Read(span.Slice(start, length), segments.Count + 1, header));
            }

            start += length + 1;
        }

        return new Er7Message(delimiters, [.. segments]);
    }
}
