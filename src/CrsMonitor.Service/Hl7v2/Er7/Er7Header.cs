namespace CrsMonitor.Service.Hl7v2.Er7;

/// <summary>
/// Reads the delimiters from the start of a message: <c>MSH</c>, then MSH-1 (the field separator, the fourth
/// character), then MSH-2 up to the next field separator. Each delimiter must be a printable ASCII character that is
/// not a letter, digit or space (anything else could not be told apart from data), and all must differ. Checking
/// distinctness covers "none equal to the field separator" too: MSH-2 ends at the first field separator, so a field
/// separator among the encoding characters shortens MSH-2 below four.
/// </summary>
internal static class Er7Header
{
    public static readonly Er7Location Msh = new("MSH", 1);
    private static readonly Er7Location Msh1 = new("MSH", 1, 1);
    private static readonly Er7Location Msh2 = new("MSH", 1, 2);

    private static readonly string[] Names = ["field separator (MSH-1)", "component separator", "repetition separator", "escape character", "sub-component separator", "truncation character"];

    public static Er7Delimiters ReadDelimiters(string text)
    {
        if (text.Length == 0)
        {
            throw new Er7FormatException(Msh, "the message is empty");
        }

        if (!text.StartsWith("MSH", StringComparison.Ordinal))
        {
            throw new Er7FormatException(Msh, $"the message does not start with MSH (it starts with {Er7Display.Quote(text.AsSpan(0, Math.Min(text.Length, 12)))})");
        }

        if (text.Length == 3)
        {
            throw new Er7FormatException(Msh1, "the message ends after MSH: MSH-1, the field separator, is missing");
        }

        var field = text[3];
        if (Refusal(field, 0) is { } fieldProblem)
        {
            throw new Er7FormatException(Msh1, fieldProblem);
        }

        var rest = text.AsSpan(4);
        var end = rest.IndexOfAny(field, '\r', '\n');
        var encoding = end < 0 ? rest : rest[..end];
        if (encoding.Length is < 4 or > 5)
        {
            throw new Er7FormatException(Msh2, $"MSH-2 must be 4 encoding characters (5 with a truncation character, v2.7 and later), found {encoding.Length}: {Er7Display.Quote(encoding)}");
        }

        Span<char> all = [field, .. encoding];
        for (var i = 1; i < all.Length; i++)
        {
            if (Refusal(all[i], i) is { } problem)
            {
                throw new Er7FormatException(Msh2, problem);
            }

            var same = all[..i].IndexOf(all[i]);
            if (same >= 0)
            {
                throw new Er7FormatException(Msh2, $"the {Names[i]} {Er7Display.Char(all[i])} is the same character as the {Names[same]}: every delimiter must differ");
            }
        }

        return new Er7Delimiters(field, all[1], all[2], all[3], all[4], all.Length == 6 ? all[5] : null);
    }

    private static string? Refusal(char c, int which) =>
        c is '\r' or '\n' ? $"the {Names[which]} is a line break, which separates segments"
        : c is < '!' or > '~' ? $"the {Names[which]} is {Er7Display.Char(c)}: a delimiter must be a printable ASCII character other than a space"
        : char.IsAsciiLetterOrDigit(c) ? $"the {Names[which]} is {Er7Display.Char(c)}: a delimiter cannot be a letter or digit"
        : null;
}
