namespace CrsMonitor.Service.Hl7v2.Er7;

/// <summary>
/// Reads one segment (one line, without its separator) into fields, repetitions, components and sub-components, in one
/// pass per level: each level counts its delimiters first (so a bound is checked before anything is allocated for
/// it), then splits. No regular expressions and no recursion, so the time is linear in the length of the line.
/// Errors carry the exact location; a component or sub-component number is given only when the value is composite
/// (<c>OBX-5</c> for a plain value, <c>OBX-5.2</c> for the second component).
/// </summary>
internal sealed class Er7SegmentReader(Er7Delimiters d)
{
    private readonly Dictionary<string, int> _occurrences = new(StringComparer.Ordinal);

    public Er7Segment Read(ReadOnlySpan<char> line, int position, Er7Delimiters? header)
    {
        var separator = line.IndexOf(d.Field);
        var idText = separator < 0 ? line : line[..separator];
        var id = IsValidId(idText) ? idText.ToString() : Shown(idText);
        var sequence = _occurrences[id] = _occurrences.GetValueOrDefault(id) + 1;
        var at = new Er7Location(id, sequence);
        if (!IsValidId(idText))
        {
            throw new Er7FormatException(at, $"segment {position} has the id {Er7Display.Quote(idText)}: a segment id is 3 characters, a capital letter then capital letters or digits");
        }

        if (position > Er7Limits.MaxSegments)
        {
            throw new Er7FormatException(at, $"the message has more than {Er7Limits.MaxSegments:N0} segments");
        }

        if (separator < 0)
        {
            return new Er7Segment(id, sequence, position, []);
        }

        var rest = line[(separator + 1)..];
        var isHeader = id is "MSH" or "BHS" or "FHS";
        var first = isHeader ? 2 : 1;
        var count = rest.Count(d.Field) + first;
        if (count > Er7Limits.MaxFields)
        {
            throw new Er7FormatException(at with { Field = Er7Limits.MaxFields + 1 }, $"the segment has more than {Er7Limits.MaxFields:N0} fields");
        }

        var fields = new Er7Field[count];
        var number = first;
        if (isHeader)
        {
            fields[0] = Er7Field.Literal(d.Field.ToString());
        }

        foreach (var range in rest.Split(d.Field))
        {
            var raw = rest[range];
            fields[number - 1] = isHeader && number == 2
                ? Encoding(raw, at with { Field = 2 }, header)
                : ReadField(raw, at with { Field = number });
            number++;
        }

        return new Er7Segment(id, sequence, position, fields);
    }

    /// <summary>MSH-2 (BHS-2, FHS-2) of a later header: as written, and the same as the message's own.</summary>
    private static Er7Field Encoding(ReadOnlySpan<char> raw, Er7Location at, Er7Delimiters? header)
    {
        if (header is not null && !raw.SequenceEqual(header.EncodingCharacters))
        {
            throw new Er7FormatException(at, $"the encoding characters {Er7Display.Quote(raw)} differ from the message's own ({Er7Display.Quote(header.EncodingCharacters)})");
        }

        return Er7Field.Literal(raw.ToString());
    }

    private Er7Field ReadField(ReadOnlySpan<char> raw, Er7Location at)
    {
        if (raw.IsEmpty)
        {
            return Er7Field.Empty;
        }

        var count = raw.Count(d.Repetition) + 1;
        if (count > Er7Limits.MaxRepetitions)
        {
            throw new Er7FormatException(at with { Repetition = Er7Limits.MaxRepetitions + 1 }, $"the field has more than {Er7Limits.MaxRepetitions:N0} repetitions");
        }

        var repetitions = new Er7Repetition[count];
        var number = 1;
        foreach (var range in raw.Split(d.Repetition))
        {
            repetitions[number - 1] = ReadRepetition(raw[range], at with { Repetition = number });
            number++;
        }

        return new Er7Field(repetitions, raw is "\"\"");
    }

    private Er7Repetition ReadRepetition(ReadOnlySpan<char> raw, Er7Location at)
    {
        if (raw.IsEmpty)
        {
            return Er7Repetition.Empty;
        }

        var count = raw.Count(d.Component) + 1;
        if (count > Er7Limits.MaxComponents)
        {
            throw new Er7FormatException(at with { Component = Er7Limits.MaxComponents + 1 }, $"the field has more than {Er7Limits.MaxComponents:N0} components");
        }

        var components = new Er7Component[count];
        var number = 1;
        foreach (var range in raw.Split(d.Component))
        {
            components[number - 1] = ReadComponent(raw[range], at, number, count > 1);
            number++;
        }

        return new Er7Repetition(components);
    }

    private Er7Component ReadComponent(ReadOnlySpan<char> raw, Er7Location at, int number, bool composite)
    {
        if (raw.IsEmpty)
        {
            return Er7Component.Empty;
        }

        var count = raw.Count(d.SubComponent) + 1;
        if (count > Er7Limits.MaxSubComponents)
        {
            throw new Er7FormatException(at with { Component = number, SubComponent = Er7Limits.MaxSubComponents + 1 }, $"the component has more than {Er7Limits.MaxSubComponents:N0} sub-components");
        }

        var values = new string[count];
        var index = 0;
        foreach (var range in raw.Split(d.SubComponent))
        {
            values[index] = Er7Unescape.Decode(raw[range], d, out var problem)
                ?? throw new Er7FormatException(
                    at with { Component = composite || count > 1 ? number : 0, SubComponent = count > 1 ? index + 1 : 0 },
                    problem!);
            index++;
        }

        return new Er7Component(values);
    }

    private static bool IsValidId(ReadOnlySpan<char> id) =>
        id.Length == 3 && char.IsAsciiLetterUpper(id[0]) && IsUpperOrDigit(id[1]) && IsUpperOrDigit(id[2]);

    private static bool IsUpperOrDigit(char c) => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c);

    /// <summary>A malformed id as the location's segment: printable ASCII, at most 8 characters, <c>?</c> for none.</summary>
    private static string Shown(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty)
        {
            return "?";
        }

        Span<char> shown = stackalloc char[Math.Min(id.Length, 8)];
        for (var i = 0; i < shown.Length; i++)
        {
            shown[i] = id[i] is >= '!' and <= '~' ? id[i] : '?';
        }

        return id.Length > 8 ? string.Concat(shown, "...") : shown.ToString();
    }
}
