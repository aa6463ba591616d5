using CrsMonitor.Service.Hl7v2.Er7;

namespace CrsMonitor.Fuzz;

/// <summary>
/// The ER7 target (<c>er7</c>): one MLLP frame's payload as the HL7 v2 listener reads it, <see cref="Er7Text.Decode"/>
/// then <see cref="Er7Parser.Parse"/>, without a socket. The property: the only exception is an
/// <see cref="Er7FormatException"/>, and it is well formed (a location whose ERR-2 form is one line, a problem that
/// says something, the message <c>"{Location}: {Problem}"</c>); a parsed message can be read everywhere without an
/// exception; its text encodes back to the same bytes; and written again with <see cref="Er7Escape"/>
/// (<see cref="Er7Writer"/>) it parses to a message that writes the same text (escapes decoded and encoded agree).
/// A broken property is a <see cref="FuzzFindingException"/>, which afl-fuzz counts as a crash.
/// </summary>
public static class Er7FuzzTarget
{
    public static Er7FuzzOutcome Er7(ReadOnlyMemory<byte> input)
    {
        string text;
        Er7Message message;
        try
        {
            text = Er7Text.Decode(input.Span);
            message = Er7Parser.Parse(text);
        }
        catch (Er7FormatException e)
        {
            CheckRefusal(e);
            return new Er7FuzzOutcome(0, e);
        }

        var characterSet = message.Msh[18].Value;
        if (!Er7Text.Encode(text, characterSet).AsSpan().SequenceEqual(input.Span))
        {
            throw new FuzzFindingException($"the decoded text does not encode back to the same bytes (MSH-18 \"{characterSet}\")");
        }

        var written = Er7Writer.Write(message);
        Er7Message again;
        try
        {
            again = Er7Parser.Parse(written);
        }
        catch (Er7FormatException e)
        {
            throw new FuzzFindingException($"a parsed message, written again, is refused: {e.Message}", e);
        }

        if (Er7Writer.Write(again) != written || again.Segments.Count != message.Segments.Count)
        {
            throw new FuzzFindingException("a parsed message, written again and parsed, writes a different text");
        }

        Walk(message);
        return new Er7FuzzOutcome(message.Segments.Count, null);
    }

    private static void CheckRefusal(Er7FormatException e)
    {
        var location = e.Location;
        if (location is null || string.IsNullOrEmpty(location.Segment) || string.IsNullOrWhiteSpace(e.Problem) || e.Message != $"{location}: {e.Problem}")
        {
            throw new FuzzFindingException($"a malformed refusal: location {location}, problem \"{e.Problem}\", message \"{e.Message}\"", e);
        }

        var erl = location.ToErl(Er7Delimiters.Standard);
        if (erl.Any(c => c < ' ' || c == '\u007F') || location.ToString().Any(c => c is '\r' or '\n'))
        {
            throw new FuzzFindingException($"a refusal's location is not one line: {erl}", e);
        }
    }

    /// <summary>Every accessor, on every part, as a consumer would read them.</summary>
    private static void Walk(Er7Message message)
    {
        _ = message.Delimiters.EncodingCharacters;
        foreach (var segment in message.Segments)
        {
            _ = message.First(segment.Id);
            _ = segment.At(0).ToErl(message.Delimiters);
            for (var f = 1; f <= segment.FieldCount + 1; f++)
            {
                var field = segment[f];
                _ = (field.IsPresent, field.IsNull, field.Value, field[2], segment.At(f, 1, 2, 3).ToString());
                foreach (var repetition in field.Repetitions)
                {
                    _ = repetition.Value;
                    foreach (var component in repetition.Components)
                    {
                        _ = (component.Value, component[component.SubComponents.Count + 1]);
                    }
                }
            }
        }
    }
}

/// <summary>What the ER7 target made of one input: refused (with the exception) or parsed (its segments).</summary>
public sealed record Er7FuzzOutcome(int Segments, Er7FormatException? Error)
{
    public override string ToString() => Error is not null ? $"refused {Error.Location.ToErl(Er7Delimiters.Standard)}: {Error.Message}" : $"parsed: {Segments} segment(s)";
}
