using System.Text;
using CrsMonitor.Service.Hl7v2.Er7;

namespace CrsMonitor.Service.Tests.Hl7v2.Er7;

/// <summary>A frame's bytes to text by MSH-18, and the ACK's text back to bytes in the same character set.</summary>
public sealed class Er7TextTests
{
    private static string Header(string characterSet) => $"MSH|^~\\&|A|B|C|D|20250301||ADT^A01|1|P|2.5||||||{characterSet}";

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static Er7FormatException Refused(byte[] payload)
    {
        try
        {
            Er7Text.Decode(payload);
        }
        catch (Er7FormatException e)
        {
            return e;
        }

        Assert.Fail("decoded");
        return null!;
    }

    [TestCase("")]
    [TestCase("ASCII")]
    [TestCase("UNICODE UTF-8")]
    public void Utf8CharacterSets_DecodeUtf8(string characterSet)
    {
        var text = Header(characterSet) + "\rPID|1||1||Müller^Seán^李\r";
        var message = Er7Parser.Parse(Er7Text.Decode(Utf8(text)));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(message.Msh[18].Value, Is.EqualTo(characterSet));
            Assert.That(message.First("PID")![5][1] + message.First("PID")![5][2] + message.First("PID")![5][3], Is.EqualTo("MüllerSeán李"));
        }
    }

    [Test]
    public void NoMsh18AtAll_IsUtf8() => Assert.That(Er7Text.Decode(Utf8("MSH|^~\\&|Zoë\r")), Is.EqualTo("MSH|^~\\&|Zoë\r"));

    [Test]
    public void Latin1_DecodesEachByteAsItsCharacter()
    {
        var bytes = Encoding.Latin1.GetBytes(Header("8859/1") + "\rPID|1||1||M\u00FCller^Se\u00E1n\r");
        var text = Er7Text.Decode(bytes);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(bytes, Does.Contain((byte)0xFC));
            Assert.That(Er7Parser.Parse(text).First("PID")![5][1], Is.EqualTo("Müller"));
            Assert.That(Er7Text.Encode(text, "8859/1"), Is.EqualTo(bytes));
        }
    }

    [Test]
    public void Latin1_BytesThatAreNotUtf8_AreRefusedWhenMsh18SaysUtf8()
    {
        var bytes = Encoding.Latin1.GetBytes(Header("UNICODE UTF-8") + "\rPID|1||1||M\u00FCller\r");
        var error = Refused(bytes);
        var offset = Array.IndexOf(bytes, (byte)0xFC);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Location.ToString(), Is.EqualTo("MSH-18"));
            Assert.That(error.Problem, Is.EqualTo($"the message is not valid UTF-8 at byte {offset} (counting from 0)"));
        }
    }

    [TestCase(new byte[] { 0xC3 }, TestName = "InvalidUtf8_TruncatedSequenceAtTheEnd_IsRefusedAtMsh")]
    [TestCase(new byte[] { 0xC0, 0xAF }, TestName = "InvalidUtf8_OverlongSlash_IsRefusedAtMsh")]
    [TestCase(new byte[] { 0xED, 0xA0, 0x80 }, TestName = "InvalidUtf8_EncodedSurrogate_IsRefusedAtMsh")]
    [TestCase(new byte[] { 0xFF }, TestName = "InvalidUtf8_FF_IsRefusedAtMsh")]
    [TestCase(new byte[] { 0x80, 0x41 }, TestName = "InvalidUtf8_LoneContinuation_IsRefusedAtMsh")]
    public void InvalidUtf8_WithEmptyMsh18_IsRefusedAtMshNamingTheByte(byte[] bad)
    {
        ArgumentNullException.ThrowIfNull(bad);
        var start = Utf8("MSH|^~\\&|A\rNTE|1||ok ");
        var error = Refused([.. start, .. bad]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Location.ToString(), Is.EqualTo("MSH"));
            Assert.That(error.Problem, Is.EqualTo($"the message is not valid UTF-8 at byte {start.Length} (counting from 0)"));
        }
    }

    [Test]
    public void ByteOrderMark_IsRefusedAtMsh()
    {
        var error = Refused([0xEF, 0xBB, 0xBF, .. Utf8(Header("UNICODE UTF-8") + "\r")]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Location.ToString(), Is.EqualTo("MSH"));
            Assert.That(error.Problem, Does.StartWith("the message starts with a UTF-8 byte order mark"));
        }
    }

    [TestCase("UNICODE UTF-16")]
    [TestCase("8859/15")]
    [TestCase("unicode utf-8")]
    [TestCase("UNICODE UTF-8~8859/1")]
    [TestCase("ISO IR87")]
    [TestCase(" ASCII")]
    public void UnknownCharacterSet_IsRefusedAtMsh18NamingTheSupportedOnes(string characterSet)
    {
        var error = Refused(Utf8(Header(characterSet) + "\rPID|1\r"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Location, Is.EqualTo(new Er7Location("MSH", 1, 18)));
            Assert.That(error.Problem, Is.EqualTo($"the character set \"{characterSet}\" is not supported; MSH-18 must be empty (ASCII), ASCII, UNICODE UTF-8 or 8859/1"));
        }
    }

    [Test]
    public void Msh18_IsReadFromTheFirstSegmentOnly()
    {
        var text = "MSH|^~\\&|A\rZZZ|1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16|17|NOT A CHARSET\r";
        Assert.That(Er7Text.Decode(Utf8(text)), Is.EqualTo(text));
    }

    [Test]
    public void Msh18_WithOtherFieldSeparator_IsFound()
    {
        var bytes = Encoding.Latin1.GetBytes("MSH#$%@*#A#B#C#D#T##ADT$A01#1#P#2.5######8859/1\rPID#1###\u00E9\r");
        Assert.That(Er7Text.Decode(bytes), Does.EndWith("PID#1###é\r"));
    }

    [Test]
    public void NotAMessage_IsDecodedForTheParserToRefuse()
    {
        var text = Er7Text.Decode(Utf8("hello"));
        Assert.That(() => Er7Parser.Parse(text), Throws.TypeOf<Er7FormatException>().With.Property(nameof(Er7FormatException.Location)).EqualTo(new Er7Location("MSH", 1)));
    }

    [Test]
    public void Empty_IsDecodedToEmpty() => Assert.That(Er7Text.Decode([]), Is.EqualTo(""));

    [TestCase(null)]
    [TestCase("")]
    [TestCase("ASCII")]
    [TestCase("UNICODE UTF-8")]
    [TestCase("UNICODE UTF-16")]
    public void Encode_IsUtf8WithoutByteOrderMark_UnlessLatin1(string? characterSet) =>
        Assert.That(Er7Text.Encode("MSA|AA|é€", characterSet), Is.EqualTo(Utf8("MSA|AA|é€")));

    [Test]
    public void Encode_Latin1_WritesOneBytePerCharacter_AndQuestionMarkOutsideIt() =>
        Assert.That(Er7Text.Encode("é€", "8859/1"), Is.EqualTo(new byte[] { 0xE9, (byte)'?' }));

    [Test]
    public void DecodeThenEncode_GivesBackTheBytes()
    {
        foreach (var (name, text) in Er7Samples.All)
        {
            var bytes = Utf8(text);
            var decoded = Er7Text.Decode(bytes);
            Assert.That(Er7Text.Encode(decoded, Er7Parser.Parse(decoded).Msh[18].Value), Is.EqualTo(bytes), name);
        }
    }
}
