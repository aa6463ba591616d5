using System.Globalization;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// The characters text may hold before it is stored: FHIR R4's <c>string</c> rule (nothing below U+0020 except tab,
/// line feed and carriage return), which also keeps out U+0000 that PostgreSQL text cannot hold at all, and no unpaired
/// surrogate (not a character; no provider stores it as sent). One rule for FHIR resources, the <c>If-None-Exist</c>
/// header and the clinicians' JSON bodies, so every provider gives the same answer before any database work.
/// </summary>
public static class StorableText
{
    /// <summary>The index of the first character that may not be stored, or -1.</summary>
    public static int FirstForbidden(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if ((c < '\u0020' && c is not ('\t' or '\n' or '\r')) || char.IsSurrogate(c))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Why the text is refused, e.g. "contains the control character U+0000 at character 4; ...".</summary>
    public static string Problem(ReadOnlySpan<char> text, int index)
    {
        var c = text[index];
        var what = char.IsSurrogate(c) ? "an unpaired surrogate" : "the control character";
        return string.Create(CultureInfo.InvariantCulture,
            $"contains {what} U+{(int)c:X4} at character {index + 1}; text may hold no control characters other than tab, line feed and carriage return");
    }

    /// <summary>
    /// <paramref name="text"/> with every character that may not be stored written as a visible <c>\uXXXX</c>: for
    /// answers that quote what a client sent (an OperationOutcome must itself be valid FHIR, or the client cannot read
    /// why it was refused).
    /// </summary>
    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = FirstForbidden(text);
        if (first < 0)
        {
            return text;
        }

        var printable = new System.Text.StringBuilder(text.Length + 8).Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                printable.Append(c).Append(text[++i]);
            }
            else if ((c < '\u0020' && c is not ('\t' or '\n' or '\r')) || char.IsSurrogate(c))
            {
                printable.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                printable.Append(c);
            }
        }

        return printable.ToString();
    }

    /// <summary>The problem with <paramref name="text"/>, or null when it may be stored.</summary>
    public static string? ProblemOf(ReadOnlySpan<char> text) => FirstForbidden(text) is var i and >= 0 ? Problem(text, i) : null;
}
