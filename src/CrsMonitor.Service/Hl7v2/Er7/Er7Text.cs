using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace CrsMonitor.Service.Hl7v2.Er7;

/// <summary>
/// The bytes of one MLLP frame's payload to text and back. HL7 v2 has no byte order mark and no transport-level
/// charset: MSH-18 says which character set the message is in, so it is read from the raw bytes first (everything up to
/// MSH-18 is ASCII in every supported set), then the whole payload is decoded. Decoding is strict: a byte that is not
/// valid in the declared set is refused, never replaced, so a value is stored as the device sent it or not at all.
/// </summary>
public static class Er7Text
{
    /// <summary>MSH-18 values this service reads, as HL7 table 0211 spells them (empty means the default, ASCII).</summary>
    public static readonly IReadOnlyList<string> SupportedCharacterSets = ["", "ASCII", "UNICODE UTF-8", "8859/1"];

    private static readonly Er7Location Msh18 = new("MSH", 1, 18);

    /// <summary>
    /// The payload as text. MSH-18 empty, <c>ASCII</c> or <c>UNICODE UTF-8</c>: strict UTF-8 (a superset of ASCII), an
    /// invalid byte refused at MSH-18 (or at MSH when MSH-18 is empty) with its offset; <c>8859/1</c>: Latin-1, where
    /// every byte is a character; anything else: refused at MSH-18, naming the supported ones. A UTF-8 byte order mark
    /// is refused at MSH: HL7 has none, and a receiver that kept it would not see the message start with MSH.
    /// </summary>
    public static string Decode(ReadOnlySpan<byte> payload)
    {
        if (payload.StartsWith("\uFEFF"u8))
        {
            throw new Er7FormatException(Er7Header.Msh, "the message starts with a UTF-8 byte order mark (EF BB BF); HL7 v2 messages have none: send it without");
        }

        var characterSet = CharacterSet(payload);
        return characterSet switch
        {
            "8859/1" => Encoding.Latin1.GetString(payload),
            "" or "ASCII" or "UNICODE UTF-8" => StrictUtf8(payload, characterSet.Length == 0 ? Er7Header.Msh : Msh18),
            _ => throw new Er7FormatException(Msh18, $"the character set {Er7Display.Quote(characterSet)} is not supported; MSH-18 must be empty (ASCII), ASCII, UNICODE UTF-8 or 8859/1"),
        };
    }

    /// <summary>
    /// The inverse, for the ACK, which goes out in the character set of the message it answers: Latin-1 for
    /// <c>8859/1</c> (a character outside it becomes <c>?</c>: the ACK must still go out), UTF-8 without a byte order
    /// mark otherwise, including for a character set <see cref="Decode"/> refused, since the ACK that says so must be
    /// writable.
    /// </summary>
    public static byte[] Encode(string message, string? characterSet)
    {
        ArgumentNullException.ThrowIfNull(message);
        return characterSet == "8859/1" ? Encoding.Latin1.GetBytes(message) : Encoding.UTF8.GetBytes(message);
    }

    /// <summary>MSH-18 as raw bytes read one to one as characters; <c>""</c> when absent or the header unreadable (the parser says why).</summary>
    private static string CharacterSet(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4 || !payload.StartsWith("MSH"u8) || payload[3] is (byte)'\r' or (byte)'\n' or >= 0x80)
        {
            return string.Empty;
        }

        var separator = payload[3];
        var end = payload.IndexOfAny((byte)'\r', (byte)'\n');
        var header = end < 0 ? payload : payload[..end];
        var field = 1; // the text after the n-th separator is MSH-(n+1)
        var start = 4;
        while (field < 17)
        {
            var next = header[start..].IndexOf(separator);
            if (next < 0)
            {
                return string.Empty;
            }

            start += next + 1;
            field++;
        }

        var length = header[start..].IndexOf(separator);
        return Encoding.Latin1.GetString(length < 0 ? header[start..] : header.Slice(start, length));
    }

    private static string StrictUtf8(ReadOnlySpan<byte> payload, Er7Location at)
    {
        var chars = new char[payload.Length];
        var status = Utf8.ToUtf16(payload, chars, out var read, out var written, replaceInvalidSequences: false);
        return status == OperationStatus.Done
            ? new string(chars, 0, written)
            : throw new Er7FormatException(at, $"the message is not valid UTF-8 at byte {read} (counting from 0)");
    }
}
