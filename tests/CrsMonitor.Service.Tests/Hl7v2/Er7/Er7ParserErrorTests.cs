using CrsMonitor.Service.Hl7v2.Er7;

namespace CrsMonitor.Service.Tests.Hl7v2.Er7;

/// <summary>Every refusal of the parser: its exact location (as people read it and as ERR-2) and what it says.</summary>
public sealed class Er7ParserErrorTests
{
    private const string Header = @"MSH|^~\&|A|B|C|D|20250301||ORU^R01|1|P|2.6";

    private static Er7FormatException Refused(string text) => Assert.Throws<Er7FormatException>(() => Er7Parser.Parse(text))!;

    private static void AssertRefused(string text, string location, string problem)
    {
        var error = Refused(text);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Location.ToString(), Is.EqualTo(location));
            Assert.That(error.Problem, Does.StartWith(problem));
            Assert.That(error.Message, Is.EqualTo($"{location}: {error.Problem}"));
        }
    }

    [TestCase("", "the message is empty")]
    [TestCase("PID|1", @"the message does not start with MSH (it starts with ""PID|1"")")]
    [TestCase("msh|^~\\&", @"the message does not start with MSH (it starts with ""msh|^~\&"")")]
    [TestCase("\rMSH|^~\\&", @"the message does not start with MSH (it starts with ""<U+000D>MSH|^~\&"")")]
    [TestCase(" MSH|^~\\&", @"the message does not start with MSH")]
    [TestCase("\uFEFFMSH|^~\\&", @"the message does not start with MSH")]
    public void MessageNotStartingWithMsh_IsRefusedAtMsh(string text, string problem) => AssertRefused(text, "MSH", problem);

    [TestCase("MSH", "the message ends after MSH: MSH-1, the field separator, is missing")]
    [TestCase("MSH\r", "the field separator (MSH-1) is a line break, which separates segments")]
    [TestCase("MSH\n", "the field separator (MSH-1) is a line break, which separates segments")]
    [TestCase("MSHA^~\\&", "the field separator (MSH-1) is 'A': a delimiter cannot be a letter or digit")]
    [TestCase("MSH1^~\\&", "the field separator (MSH-1) is '1': a delimiter cannot be a letter or digit")]
    [TestCase("MSH ^~\\&", "the field separator (MSH-1) is U+0020: a delimiter must be a printable ASCII character other than a space")]
    [TestCase("MSH\t^~\\&", "the field separator (MSH-1) is U+0009: a delimiter must be a printable ASCII character other than a space")]
    [TestCase("MSH\u00A6^~\\&", "the field separator (MSH-1) is U+00A6: a delimiter must be a printable ASCII character other than a space")]
    public void BadFieldSeparator_IsRefusedAtMsh1(string text, string problem) => AssertRefused(text, "MSH-1", problem);

    [TestCase("MSH|^~\\|A", @"MSH-2 must be 4 encoding characters (5 with a truncation character, v2.7 and later), found 3: ""^~\""")]
    [TestCase("MSH|", @"MSH-2 must be 4 encoding characters (5 with a truncation character, v2.7 and later), found 0: """"")]
    [TestCase("MSH||A", @"MSH-2 must be 4 encoding characters (5 with a truncation character, v2.7 and later), found 0")]
    [TestCase("MSH|^~\\&#!|A", @"MSH-2 must be 4 encoding characters (5 with a truncation character, v2.7 and later), found 6: ""^~\&#!""")]
    [TestCase("MSH|^~\r", @"MSH-2 must be 4 encoding characters (5 with a truncation character, v2.7 and later), found 2")]
    [TestCase("MSH|^^\\&|A", "the repetition separator '^' is the same character as the component separator: every delimiter must differ")]
    [TestCase("MSH|^~\\^|A", "the sub-component separator '^' is the same character as the component separator: every delimiter must differ")]
    [TestCase("MSH|^~\\&&|A", "the truncation character '&' is the same character as the sub-component separator: every delimiter must differ")]
    [TestCase("MSH|^~\\A|A", "the sub-component separator is 'A': a delimiter cannot be a letter or digit")]
    [TestCase("MSH|^~\\&0|A", "the truncation character is '0': a delimiter cannot be a letter or digit")]
    [TestCase("MSH|^~ &|A", "the escape character is U+0020: a delimiter must be a printable ASCII character other than a space")]
    [TestCase("MSH|^\u0001\\&|A", "the repetition separator is U+0001: a delimiter must be a printable ASCII character other than a space")]
    [TestCase("MSH|^~\\é|A", "the sub-component separator is U+00E9: a delimiter must be a printable ASCII character other than a space")]
    public void BadEncodingCharacters_AreRefusedAtMsh2(string text, string problem) => AssertRefused(text, "MSH-2", problem);

    [TestCase("pid|1", "pid", @"segment 2 has the id ""pid"": a segment id is 3 characters, a capital letter then capital letters or digits")]
    [TestCase("PI|1", "PI", @"segment 2 has the id ""PI""")]
    [TestCase("PIDX|1", "PIDX", @"segment 2 has the id ""PIDX""")]
    [TestCase("1ID|1", "1ID", @"segment 2 has the id ""1ID""")]
    [TestCase("|1", "?", @"segment 2 has the id """"")]
    [TestCase(" PID|1", "?PID", @"segment 2 has the id "" PID""")]
    [TestCase("P\u0000D|1", "P?D", @"segment 2 has the id ""P<U+0000>D""")]
    [TestCase("PÏD|1", "P?D", @"segment 2 has the id ""PÏD""")]
    [TestCase("THIS IS NOT HL7 AT ALL", "THIS?IS?...", @"segment 2 has the id ""THIS IS NOT HL7 AT ALL""")]
    [TestCase("\u000BPID|1", "?PID", @"segment 2 has the id ""<U+000B>PID""")]
    public void BadSegmentId_IsRefusedAtThatSegment(string segment, string location, string problem) =>
        AssertRefused(Header + "\r" + segment + "\r", location, problem);

    [Test]
    public void BadSegmentId_AfterOthers_NamesItsPosition() =>
        AssertRefused(Header + "\rPID|1\rPV1|1\r\rOBX|1\robx|2\r", "obx", "segment 5 has the id \"obx\"");

    [TestCase("PID|1||12\u00073", "PID-3", "control character U+0007 at character 3 of the value (not allowed raw; write it as \\X07\\)")]
    [TestCase("PID|1||a^b\u0001", "PID-3.2", "control character U+0001 at character 2 of the value")]
    [TestCase("PID|1||a^b&c\u0000", "PID-3.2.2", "control character U+0000 at character 2 of the value")]
    [TestCase("PID|1||a&\u0000", "PID-3.1.2", "control character U+0000 at character 1 of the value")]
    [TestCase("PID|1||a~b\u001F", "PID-3(2)", "control character U+001F at character 2 of the value")]
    [TestCase("PID|1||a~b^\u001Fc", "PID-3(2).2", "control character U+001F at character 1 of the value")]
    [TestCase("PID|1||x|tab\there", "PID-4", "control character U+0009 at character 4 of the value")]
    [TestCase("PID|1||x|del\u007F", "PID-4", "control character U+007F at character 4 of the value (not allowed raw; write it as \\X7F\\)")]
    [TestCase("PID|1||x|\u001C", "PID-4", "control character U+001C at character 1")]
    [TestCase("PID|1||x|\u000B", "PID-4", "control character U+000B at character 1")]
    [TestCase("PID|1||x|a\\F\\\u0002", "PID-4", "control character U+0002 at character 5")]
    public void ControlCharacter_InAValue_IsRefusedAtItsLocation(string segment, string location, string problem) =>
        AssertRefused(Header + "\r" + segment + "\r", location, problem);

    [Test]
    public void ControlCharacter_InTheSecondObx_NamesThatObx()
    {
        var error = Refused(Header + "\rOBX|1|NM|x||1\rOBX|2|NM|x||2\u0008\r");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Location.ToString(), Is.EqualTo("OBX[2]-5"));
            Assert.That(error.Location.ToErl(Er7Delimiters.Standard), Is.EqualTo("OBX^2^5^1"));
        }
    }

    [Test]
    public void ControlCharacter_InAHeaderField_IsRefused() =>
        AssertRefused(@"MSH|^~\&|SEND" + "\u0000" + "ER|B", "MSH-3", "control character U+0000 at character 5");

    [Test]
    public void UnsupportedEscape_InASubComponent_NamesTheSubComponent()
    {
        var error = Refused(Header + "\rOBX|1|CE|x||a^b&\\Zx\\\r");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Location.ToString(), Is.EqualTo("OBX-5.2.2"));
            Assert.That(error.Location.ToErl(Er7Delimiters.Standard), Is.EqualTo("OBX^1^5^1^2^2"));
            Assert.That(error.Problem, Does.StartWith(@"escape sequence ""\Zx\"" (locally defined) is not supported"));
        }
    }

    [Test]
    public void TooManyFields_IsRefusedAtTheFirstOneTooMany() =>
        AssertRefused(Header + "\rZZZ" + new string('|', Er7Limits.MaxFields + 1), "ZZZ-1001", "the segment has more than 1,000 fields");

    [Test]
    public void TooManyFields_InTheHeader_CountsItsTwoFirstFields() =>
        AssertRefused(Header + new string('|', Er7Limits.MaxFields - 11), "MSH-1001", "the segment has more than 1,000 fields");

    [Test]
    public void TooManyRepetitions_IsRefusedAtTheFirstOneTooMany() =>
        AssertRefused(Header + "\rZZZ|" + new string('~', Er7Limits.MaxRepetitions), "ZZZ-1(1001)", "the field has more than 1,000 repetitions");

    [Test]
    public void HugeRepetitionCount_IsRefusedWithoutReadingThem() =>
        AssertRefused(Header + "\rZZZ|a|" + new string('~', 5_000_000), "ZZZ-2(1001)", "the field has more than 1,000 repetitions");

    [Test]
    public void TooManyComponents_IsRefusedAtTheFirstOneTooMany() =>
        AssertRefused(Header + "\rZZZ|a~" + new string('^', Er7Limits.MaxComponents), "ZZZ-1(2).101", "the field has more than 100 components");

    [Test]
    public void TooManySubComponents_IsRefusedAtTheFirstOneTooMany() =>
        AssertRefused(Header + "\rZZZ|a^b^" + new string('&', Er7Limits.MaxSubComponents), "ZZZ-1.3.101", "the component has more than 100 sub-components");

    [Test]
    public void TooManySegments_IsRefusedAtTheFirstOneTooMany() =>
        AssertRefused(Header + string.Concat(Enumerable.Repeat("\rZZZ|1", Er7Limits.MaxSegments)), "ZZZ[10000]", "the message has more than 10,000 segments");

    [Test]
    public void LaterHeader_WithOtherEncodingCharacters_IsRefused() =>
        AssertRefused(Header + "\rMSH|^~\\&#|A\r", "MSH[2]-2", @"the encoding characters ""^~\&#"" differ from the message's own (""^~\&"")");

    [Test]
    public void EveryRefusal_HasAnErlThatIsOneValue()
    {
        var error = Refused(Header + "\rA|^~|1\r");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Location.ToString(), Is.EqualTo("A"));
            Assert.That(error.Location.ToErl(Er7Delimiters.Standard), Is.EqualTo("A^1"));
        }
    }

    [Test]
    public void Null_IsAnArgumentError() => Assert.That(() => Er7Parser.Parse(null!), Throws.ArgumentNullException);
}
