using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>
/// Issue 12, types after ingest: a reading's detail is read as types (the neuro check's ICANS items, the reported
/// symptoms) by every consumer, once per loaded reading, never parsed again from its text where it is used.
/// </summary>
public sealed class ReadingDetailTests
{
    [Test]
    public void NeuroCheck_ReadsTheCalculatorsItems_OncePerDetail()
    {
        var detail = ReadingDetail.Of("""{"iceScore": 7}""")!;
        var first = detail.NeuroCheck;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first?.IceScore, Is.EqualTo(7));
            Assert.That(detail.NeuroCheck, Is.SameAs(first), "read once, kept");
        }
    }

    [TestCase("""{"iceScore": 11}""", TestName = "NeuroCheck_IsNull_ForAnIceScoreOutOfRange")]
    [TestCase("""not json""", TestName = "NeuroCheck_IsNull_ForTextThatIsNotJson")]
    [TestCase("""["headache"]""", TestName = "NeuroCheck_IsNull_ForAList")]
    public void NeuroCheck_IsNull_WhenNotAValidNeuroCheck(string json)
    {
        var detail = ReadingDetail.Of(json)!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(detail.NeuroCheck, Is.Null);
            Assert.That(detail.NeuroCheck, Is.Null, "and stays so when asked again");
        }
    }

    [Test]
    public void Symptoms_AreTheReportedKeys_AndAnythingElseThrows()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ReadingDetail.Of("""["confusion","headache"]""")!.Symptoms, Is.EqualTo(new[] { "confusion", "headache" }));
            Assert.That(() => ReadingDetail.Of("""{"iceScore": 7}""")!.Symptoms, Throws.InstanceOf<System.Text.Json.JsonException>(),
                "a report whose symptoms cannot be read is not one without any");
        }
    }

    [Test]
    public void Details_AreEqual_ByTheirText()
    {
        using (Assert.EnterMultipleScope())
        {
            var stored = """{"iceScore": 7}""";
            Assert.That(ReadingDetail.Of(stored), Is.EqualTo(ReadingDetail.Of(string.Concat("""{"iceScore":""", " 7}"))));
            Assert.That(ReadingDetail.Of("""{"iceScore": 7}"""), Is.Not.EqualTo(ReadingDetail.Of("""{"iceScore":7}""")));
            Assert.That(ReadingDetail.Of(null), Is.Null);
        }
    }
}
