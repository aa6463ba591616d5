using CrsMonitor.Service.Hl7v2.Er7;

namespace CrsMonitor.Service.Tests.Hl7v2.Er7;

/// <summary>Locations as ERR-2 (ERL) and as the text people read.</summary>
public sealed class Er7LocationTests
{
    [TestCase("OBX", 2, 5, 1, 1, 0, ExpectedResult = "OBX^2^5^1^1")]
    [TestCase("OBX", 2, 5, 1, 1, 2, ExpectedResult = "OBX^2^5^1^1^2")]
    [TestCase("OBX", 2, 5, 1, 0, 0, ExpectedResult = "OBX^2^5^1")]
    [TestCase("OBX", 2, 5, 3, 0, 0, ExpectedResult = "OBX^2^5^3")]
    [TestCase("OBX", 2, 0, 1, 0, 0, ExpectedResult = "OBX^2")]
    [TestCase("MSH", 1, 18, 1, 0, 0, ExpectedResult = "MSH^1^18^1")]
    [TestCase("PID", 1, 3, 2, 4, 0, ExpectedResult = "PID^1^3^2^4")]
    [TestCase("OBX", 1, 5, 1, 0, 2, ExpectedResult = "OBX^1^5^1", Description = "a sub-component is only written under a component")]
    public string ToErl_LeavesOffTrailingZeroParts(string segment, int sequence, int field, int repetition, int component, int subComponent) =>
        new Er7Location(segment, sequence, field, repetition, component, subComponent).ToErl(Er7Delimiters.Standard);

    [Test]
    public void ToErl_UsesTheMessagesComponentSeparator() =>
        Assert.That(new Er7Location("OBX", 2, 5, 1, 1).ToErl(new Er7Delimiters('#', '$', '%', '@', '*', null)), Is.EqualTo("OBX$2$5$1$1"));

    [Test]
    public void ToErl_EscapesDelimitersInAMalformedSegmentId() =>
        Assert.That(new Er7Location("A^|", 1, 2).ToErl(Er7Delimiters.Standard), Is.EqualTo(@"A\S\\F\^1^2^1"));

    [TestCase("OBX", 1, 5, 1, 0, 0, ExpectedResult = "OBX-5")]
    [TestCase("OBX", 2, 5, 1, 0, 0, ExpectedResult = "OBX[2]-5")]
    [TestCase("OBX", 2, 6, 1, 1, 0, ExpectedResult = "OBX[2]-6.1")]
    [TestCase("OBX", 2, 6, 1, 1, 2, ExpectedResult = "OBX[2]-6.1.2")]
    [TestCase("OBX", 2, 0, 1, 0, 0, ExpectedResult = "OBX[2]")]
    [TestCase("MSH", 1, 0, 1, 0, 0, ExpectedResult = "MSH")]
    [TestCase("PID", 1, 3, 2, 0, 0, ExpectedResult = "PID-3(2)")]
    [TestCase("PID", 1, 3, 2, 4, 1, ExpectedResult = "PID-3(2).4.1")]
    [TestCase("PID", 1, 3, 1, 0, 1, ExpectedResult = "PID-3", Description = "a sub-component is only shown under a component")]
    [TestCase("OBX", 12, 5, 1, 0, 0, ExpectedResult = "OBX[12]-5")]
    public string ToString_IsTheHumanForm(string segment, int sequence, int field, int repetition, int component, int subComponent) =>
        new Er7Location(segment, sequence, field, repetition, component, subComponent).ToString();

    [Test]
    public void Defaults_AreWholeFieldFirstRepetition()
    {
        var location = new Er7Location("PID", 1, 3);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(location.Repetition, Is.EqualTo(1));
            Assert.That(location.Component, Is.Zero);
            Assert.That(location.SubComponent, Is.Zero);
            Assert.That(location.ToErl(Er7Delimiters.Standard), Is.EqualTo("PID^1^3^1"));
        }
    }

    [Test]
    public void Exception_MessageIsLocationThenProblem()
    {
        var error = new Er7FormatException(new Er7Location("OBX", 2, 5), "bad value");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Message, Is.EqualTo("OBX[2]-5: bad value"));
            Assert.That(error.Problem, Is.EqualTo("bad value"));
            Assert.That(error.Location, Is.EqualTo(new Er7Location("OBX", 2, 5)));
        }
    }

    [Test]
    public void Delimiters_StandardEncodingCharacters() =>
        Assert.That(Er7Delimiters.Standard.EncodingCharacters, Is.EqualTo(@"^~\&"));
}
