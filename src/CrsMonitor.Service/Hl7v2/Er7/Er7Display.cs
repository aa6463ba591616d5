using System.Globalization;
using System.Text;

namespace CrsMonitor.Service.Hl7v2.Er7;

/// <summary>
/// Input quoted inside a problem text: short, and printable, because the text goes into a log line and into ERR-8 of
/// an ACK (where it is escaped, but a control character would still be noise to whoever reads it).
/// </summary>
internal static class Er7Display
{
    /// <summary>At most <paramref name="max"/> characters of <paramref name="text"/> in double quotes, controls as <c>&lt;U+0007&gt;</c>.</summary>
    public static string Quote(ReadOnlySpan<char> text, int max = 24)
    {
        var shown = new StringBuilder("\"");
        foreach (var c in text.Length > max ? text[..max] : text)
        {
            if (Er7Escape.IsControl(c) || char.IsSurrogate(c) || (c >= '\u0080' && c <= '\u009F'))
            {
                shown.Append(CultureInfo.InvariantCulture, $"<U+{(int)c:X4}>");
            }
            else
            {
                shown.Append(c);
            }
        }

        return shown.Append(text.Length > max ? "\"..." : "\"").ToString();
    }

    /// <summary>One character for a problem text: <c>'|'</c>, or <c>U+000D</c> for one that does not print.</summary>
    public static string Char(char c) =>
        Er7Escape.IsControl(c) || char.IsWhiteSpace(c) || char.IsSurrogate(c) || c > '\u007E'
            ? $"U+{(int)c:X4}"
            : $"'{c}'";
}
