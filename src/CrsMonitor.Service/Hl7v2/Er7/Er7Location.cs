using System.Globalization;
using System.Text;

namespace CrsMonitor.Service.Hl7v2.Er7;

/// <summary>
/// Where in a message something is: the value of ERR-2 (an ERL, <see cref="ToErl"/>) in the ACK that refuses it, and
/// the prefix of every parse error a person reads (<see cref="ToString"/>). Numbers follow HL7: fields, repetitions,
/// components and sub-components count from 1, MSH-1 is the field separator.
/// </summary>
/// <param name="Segment">The segment id (<c>OBX</c>). For a segment whose id is itself the error, the text found there,
/// made printable and cut short.</param>
/// <param name="SegmentSequence">1-based occurrence of that id in the message (2 = the second OBX); 0 = unknown.</param>
/// <param name="Field">The field number; 0 = the whole segment.</param>
/// <param name="Repetition">The repetition of the field, from 1.</param>
/// <param name="Component">The component; 0 = the whole field (repetition).</param>
/// <param name="SubComponent">The sub-component; 0 = the whole component.</param>
public sealed record Er7Location(string Segment, int SegmentSequence, int Field = 0, int Repetition = 1, int Component = 0, int SubComponent = 0)
{
    /// <summary>
    /// The ERR-2 value: <c>OBX^2^5^1^1</c>, parts that would be zero left off (component 0 gives <c>OBX^2^5^1</c>, field
    /// 0 gives <c>OBX^2</c>; a sub-component is only written under a component). The segment id is escaped, so a
    /// malformed id found in the input cannot break the ACK it is written into.
    /// </summary>
    public string ToErl(Er7Delimiters d)
    {
        ArgumentNullException.ThrowIfNull(d);
        var erl = new StringBuilder(Er7Escape.Encode(Segment, d));
        Append(erl, d.Component, SegmentSequence);
        if (Field > 0)
        {
            Append(erl, d.Component, Field);
            Append(erl, d.Component, Repetition);
            if (Component > 0)
            {
                Append(erl, d.Component, Component);
                if (SubComponent > 0)
                {
                    Append(erl, d.Component, SubComponent);
                }
            }
        }

        return erl.ToString();
    }

    /// <summary>
    /// For people: <c>OBX-5</c> (the first OBX), <c>OBX[2]-5</c>, <c>OBX[2]-6.1</c>, <c>OBX[2]-6.1.2</c>, <c>OBX[2]</c>
    /// for the whole segment, <c>PID-3(2)</c> for the second repetition (shown only past the first).
    /// </summary>
    public override string ToString()
    {
        var text = new StringBuilder(Segment);
        if (SegmentSequence != 1)
        {
            text.Append(CultureInfo.InvariantCulture, $"[{SegmentSequence}]");
        }

        if (Field > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"-{Field}");
            if (Repetition > 1)
            {
                text.Append(CultureInfo.InvariantCulture, $"({Repetition})");
            }

            if (Component > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $".{Component}");
                if (SubComponent > 0)
                {
                    text.Append(CultureInfo.InvariantCulture, $".{SubComponent}");
                }
            }
        }

        return text.ToString();
    }

    private static void Append(StringBuilder erl, char separator, int number) =>
        erl.Append(separator).Append(number.ToString(CultureInfo.InvariantCulture));
}
