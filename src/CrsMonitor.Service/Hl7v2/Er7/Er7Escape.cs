using System.Globalization;
using System.Text;

namespace CrsMonitor.Service.Hl7v2.Er7;

/// <summary>
/// Writing a value into an ER7 message (an ACK's ERR-8, MSA-3, an echoed control id): the inverse of the parser's
/// unescaping, so whatever string goes in comes out of <see cref="Er7Parser.Parse"/> unchanged.
/// </summary>
public static class Er7Escape
{
    /// <summary>
    /// Escapes the delimiters (<c>\F\ \S\ \T\ \R\ \E\</c>, and <c>\P\</c> for the truncation character when one is
    /// defined) and writes CR and LF as <c>\X0D\</c> and <c>\X0A\</c>. Every other C0 control character and DEL becomes
    /// its <c>\Xhh\</c> as well: the parser refuses them raw, and a refusal must not be unwritable.
    /// </summary>
    public static string Encode(string value, Er7Delimiters d)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(d);
        var first = FirstToEscape(value, d);
        if (first < 0)
        {
            return value;
        }

        var text = new StringBuilder(value.Length + 16).Append(value, 0, first);
        for (var i = first; i < value.Length; i++)
        {
            var c = value[i];
            var code = c == d.Field ? "F"
                : c == d.Component ? "S"
                : c == d.SubComponent ? "T"
                : c == d.Repetition ? "R"
                : c == d.Escape ? "E"
                : c == d.Truncation ? "P"
                : IsControl(c) ? "X" + ((int)c).ToString("X2", CultureInfo.InvariantCulture)
                : null;
            if (code is null)
            {
                text.Append(c);
            }
            else
            {
                text.Append(d.Escape).Append(code).Append(d.Escape);
            }
        }

        return text.ToString();
    }

    /// <summary>C0 controls (CR and LF among them) and DEL: never raw inside a value.</summary>
    internal static bool IsControl(char c) => c < ' ' || c == '\u007F';

    private static int FirstToEscape(string value, Er7Delimiters d)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (IsControl(c) || c == d.Field || c == d.Component || c == d.SubComponent || c == d.Repetition || c == d.Escape || c == d.Truncation)
            {
                return i;
            }
        }

        return -1;
    }
}
