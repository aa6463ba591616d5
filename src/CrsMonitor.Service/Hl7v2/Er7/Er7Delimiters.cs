namespace CrsMonitor.Service.Hl7v2.Er7;

/// <summary>
/// The delimiters of one ER7 message, as its MSH-1 and MSH-2 declare them. Each message may choose its own, so the
/// parser reads them from the header and every later split and escape uses this record; an ACK is written with the
/// delimiters of the message it answers.
/// </summary>
/// <param name="Field">MSH-1, between fields (usually <c>|</c>).</param>
/// <param name="Component">MSH-2 first character, between components (usually <c>^</c>).</param>
/// <param name="Repetition">MSH-2 second character, between repetitions of a field (usually <c>~</c>).</param>
/// <param name="Escape">MSH-2 third character, which opens and closes an escape sequence (usually <c>\</c>).</param>
/// <param name="SubComponent">MSH-2 fourth character, between sub-components (usually <c>&amp;</c>).</param>
/// <param name="Truncation">MSH-2 fifth character (v2.7 and later, usually <c>#</c>), or null when MSH-2 has four.</param>
public sealed record Er7Delimiters(char Field, char Component, char Repetition, char Escape, char SubComponent, char? Truncation)
{
    /// <summary>The delimiters nearly every sender uses: <c>|^~\&amp;</c>, no truncation character.</summary>
    public static readonly Er7Delimiters Standard = new('|', '^', '~', '\\', '&', null);

    /// <summary>MSH-2 as written in a header with these delimiters, e.g. <c>^~\&amp;</c> (or <c>^~\&amp;#</c>).</summary>
    public string EncodingCharacters => Truncation is { } truncation
        ? string.Concat(Component.ToString(), Repetition.ToString(), Escape.ToString(), SubComponent.ToString(), truncation.ToString())
        : string.Concat(Component.ToString(), Repetition.ToString(), Escape.ToString(), SubComponent.ToString());
}
