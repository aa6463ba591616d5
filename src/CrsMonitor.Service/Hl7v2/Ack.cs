using System.Globalization;
using CrsMonitor.Service.Hl7v2.Er7;

namespace CrsMonitor.Service.Hl7v2;

/// <summary>
/// The ACK of a message, in the standard encoding characters (|^~\&amp;): MSH addressed back to the sender (its MSH-5/6 as our
/// MSH-3/4, its MSH-3/4 as our MSH-5/6), <c>ACK^{trigger}^ACK</c>, a control id of its own, the message's processing id
/// and version; MSA with the code and the message's control id; one ERR per finding, each with ERR-1 (for v2.3/2.4
/// readers) and ERR-2 (ERL: segment^sequence^field^repetition^component), ERR-3 (table 0357), ERR-4 severity and the
/// text in ERR-7 and ERR-8.
/// </summary>
public static class Ack
{
    private static readonly Dictionary<V2ErrorCode, string> CodeText = new()
    {
        [V2ErrorCode.SegmentSequenceError] = "Segment sequence error",
        [V2ErrorCode.RequiredFieldMissing] = "Required field missing",
        [V2ErrorCode.DataTypeError] = "Data type error",
        [V2ErrorCode.TableValueNotFound] = "Table value not found",
        [V2ErrorCode.UnsupportedMessageType] = "Unsupported message type",
        [V2ErrorCode.UnsupportedEventCode] = "Unsupported event code",
        [V2ErrorCode.UnsupportedProcessingId] = "Unsupported processing id",
        [V2ErrorCode.UnsupportedVersionId] = "Unsupported version id",
        [V2ErrorCode.UnknownKeyIdentifier] = "Unknown key identifier",
        [V2ErrorCode.DuplicateKeyIdentifier] = "Duplicate key identifier",
        [V2ErrorCode.ApplicationInternalError] = "Application internal error",
    };

    /// <summary>The ACK text (segments ended by CR); <paramref name="message"/> is the message answered, or null when it could not be parsed (a minimal header then).</summary>
    public static string Build(Er7Message? message, string applicationName, AckCode code, string text, IReadOnlyList<V2Issue> issues, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(issues);
        // Standard encoding characters whatever the message used: an ACK declares its own in MSH-2, and a message
        // whose characters parse may still make an ambiguous ACK (an escape character that is also a value's letter).
        var d = Er7Delimiters.Standard;
        var msh = message?.Msh;
        var f = d.Field;
        string Field(int n) => msh is null ? string.Empty : Encode(msh[n], d);
        var receiving = Field(5);
        var lines = new List<string>
        {
            string.Join(f,
                "MSH", d.EncodingCharacters, receiving.Length > 0 ? receiving : Er7Escape.Encode(applicationName, d), Field(6), Field(3), Field(4),
                now.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "+0000", string.Empty,
                $"ACK{d.Component}{Er7Escape.Encode(msh?[9][2] ?? string.Empty, d)}{d.Component}ACK",
                "A" + Guid.NewGuid().ToString("N")[..19], Field(11), Field(12), string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, Field(18))
                .TrimEnd(f),
            string.Join(f, "MSA", code switch { AckCode.Accept => "AA", AckCode.Error => "AE", _ => "AR" },
                Er7Escape.Encode(msh?[10].Value ?? string.Empty, d), Er7Escape.Encode(Clip(text, 80), d)),
        };
        lines.AddRange(issues.Select(issue => Err(issue, d)));
        return string.Join('\r', lines) + "\r";
    }

    private static string Err(V2Issue issue, Er7Delimiters d)
    {
        var at = issue.Location;
        var number = ((int)issue.Code).ToString(CultureInfo.InvariantCulture);
        var name = CodeText[issue.Code];
        var eld = string.Join(d.Component, Er7Escape.Encode(at.Segment, d), Number(at.SegmentSequence), Number(at.Field),
            string.Join(d.SubComponent, number, name, "HL70357"));
        var text = Er7Escape.Encode(issue.ToString(), d);
        return string.Join(d.Field, "ERR", eld, at.ToErl(d), string.Join(d.Component, number, name, "HL70357"),
            issue.Severity == V2Severity.Error ? "E" : "W", string.Empty, string.Empty, text, text);
    }

    private static string Number(int n) => n > 0 ? n.ToString(CultureInfo.InvariantCulture) : string.Empty;

    private static string Clip(string text, int length) => text.Length <= length ? text : text[..(length - 3)] + "...";

    /// <summary>A field of the message re-encoded (its repetitions, components and subcomponents escaped) for the ACK.</summary>
    private static string Encode(Er7Field field, Er7Delimiters d) =>
        string.Join(d.Repetition, field.Repetitions.Select(r =>
            string.Join(d.Component, r.Components.Select(c => string.Join(d.SubComponent, c.SubComponents.Select(s => Er7Escape.Encode(s, d)))))));
}
