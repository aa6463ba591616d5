using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace CrsMonitor.Service.Hl7v2.Er7;

/// <summary>
/// Decodes one sub-component as written into the text it stands for. Done per sub-component, after the splits, which
/// is why an escape sequence never spans a delimiter (HL7 writes none that could). Supported: <c>\F\ \S\ \T\ \R\ \E\</c>
/// (and <c>\P\</c> when MSH-2 defines a truncation character) become that delimiter, <c>\Xhh..\</c> its bytes read as
/// UTF-8, <c>\.br\</c> a line feed; <c>\H\</c> and <c>\N\</c> (highlighting) are dropped. Anything else, character-set
/// switching (<c>\C..\</c>, <c>\M..\</c>), local escapes (<c>\Z..\</c>), formatting commands other than <c>.br</c>, and an
/// escape left open, is refused rather than guessed at: a monitor value passed on half-decoded is worse than an AE.
/// Raw C0 controls and DEL are refused too; they are not text, and a database or a dashboard would choke on them.
/// </summary>
internal static class Er7Unescape
{
    /// <summary>The value, or null with <paramref name="problem"/> saying what is wrong.</summary>
    public static string? Decode(ReadOnlySpan<char> raw, Er7Delimiters d, out string? problem)
    {
        problem = null;
        var plain = 0;
        while (plain < raw.Length && raw[plain] != d.Escape && !Er7Escape.IsControl(raw[plain]))
        {
            plain++;
        }

        if (plain == raw.Length)
        {
            return raw.ToString();
        }

        var text = new StringBuilder(raw.Length).Append(raw[..plain]);
        for (var i = plain; i < raw.Length; i++)
        {
            var c = raw[i];
            if (Er7Escape.IsControl(c))
            {
                problem = $"control character U+{(int)c:X4} at character {i + 1} of the value (not allowed raw; write it as {d.Escape}X{(int)c:X2}{d.Escape})";
                return null;
            }

            if (c != d.Escape)
            {
                text.Append(c);
                continue;
            }

            var close = raw[(i + 1)..].IndexOf(d.Escape);
            if (close < 0)
            {
                problem = $"escape sequence {Er7Display.Quote(raw[i..])} at character {i + 1} of the value is not closed by a second {Er7Display.Char(d.Escape)} (a literal escape character is written {d.Escape}E{d.Escape})";
                return null;
            }

            var body = raw.Slice(i + 1, close);
            if (!Append(text, body, d, out problem))
            {
                return null;
            }

            i += close + 1;
        }

        return text.ToString();
    }

    private static bool Append(StringBuilder text, ReadOnlySpan<char> body, Er7Delimiters d, out string? problem)
    {
        problem = null;
        switch (body)
        {
            case "F": text.Append(d.Field); return true;
            case "S": text.Append(d.Component); return true;
            case "T": text.Append(d.SubComponent); return true;
            case "R": text.Append(d.Repetition); return true;
            case "E": text.Append(d.Escape); return true;
            case "P" when d.Truncation is { } truncation: text.Append(truncation); return true;
            case "H" or "N": return true;
            case ".br": text.Append('\n'); return true;
            default: break;
        }

        if (body.Length > 0 && body[0] == 'X')
        {
            return AppendHex(text, body, d, out problem);
        }

        var shown = Er7Display.Quote($"{d.Escape}{body}{d.Escape}");
        var what = body switch
        {
            [] => $"empty escape sequence {shown} (a literal escape character is written {d.Escape}E{d.Escape})",
            "P" => $"escape sequence {shown} names the truncation character, but MSH-2 defines none",
            ['C' or 'M', ..] => $"escape sequence {shown} (character set switching) is not supported",
            ['Z', ..] => $"escape sequence {shown} (locally defined) is not supported",
            ['.', ..] => $"escape sequence {shown} (a formatting command) is not supported; of those only {d.Escape}.br{d.Escape} is",
            _ => $"escape sequence {shown} is not supported",
        };
        problem = $"{what}; supported: {Supported(d)}";
        return false;
    }

    private static bool AppendHex(StringBuilder text, ReadOnlySpan<char> body, Er7Delimiters d, out string? problem)
    {
        var hex = body[1..];
        var shown = Er7Display.Quote($"{d.Escape}{body}{d.Escape}");
        problem = hex.Length == 0 ? $"hex escape {shown} has no digits"
            : hex.Length % 2 != 0 ? $"hex escape {shown} has an odd number of digits ({hex.Length})"
            : hex.ContainsAnyExcept(HexDigits) ? $"hex escape {shown} has a character that is not a hex digit"
            : null;
        if (problem is not null)
        {
            return false;
        }

        var bytes = Convert.FromHexString(hex);
        var chars = new char[bytes.Length];
        if (Utf8.ToUtf16(bytes, chars, out _, out var written, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            problem = $"hex escape {shown} is not valid UTF-8";
            return false;
        }

        text.Append(chars, 0, written);
        return true;
    }

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789ABCDEFabcdef");

    private static string Supported(Er7Delimiters d)
    {
        var e = d.Escape;
        var truncation = d.Truncation is null ? string.Empty : $" {e}P{e}";
        return $"{e}F{e} {e}S{e} {e}T{e} {e}R{e} {e}E{e}{truncation} {e}Xhh..{e} {e}.br{e} {e}H{e} {e}N{e}";
    }
}
