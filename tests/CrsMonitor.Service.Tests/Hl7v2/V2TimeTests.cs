using CrsMonitor.Service.Hl7v2;
using CrsMonitor.Service.Hl7v2.Er7;
using CrsMonitor.Service.Hl7v2.Translation;

namespace CrsMonitor.Service.Tests.Hl7v2;

/// <summary>HL7 v2 timestamps placed on the timeline: as sent with an offset, else in the hospital's zone, never guessed across a clock change.</summary>
public sealed class V2TimeTests
{
    private static readonly V2Time NewYork = new(TimeZoneInfo.FindSystemTimeZoneById("America/New_York"));
    private static readonly Er7Location At = new("OBX", 1, 14);

    private static (string? Value, V2Findings Findings) Read(string text)
    {
        var findings = new V2Findings();
        return (NewYork.DateTime(text, At, findings), findings);
    }

    [TestCase("20260105100000+0000", "2026-01-05T10:00:00+00:00")]
    [TestCase("20260105100000-0330", "2026-01-05T10:00:00-03:30")]
    [TestCase("20260105100000", "2026-01-05T10:00:00-05:00")]
    [TestCase("20260705100000", "2026-07-05T10:00:00-04:00")]
    [TestCase("202601051000", "2026-01-05T10:00:00-05:00")]
    [TestCase("2026010510", "2026-01-05T10:00:00-05:00")]
    [TestCase("20260105100000.1234+0100", "2026-01-05T10:00:00.1234+01:00")]
    [TestCase("20260105", "2026-01-05")]
    [TestCase("202601", "2026-01")]
    [TestCase("20260308033000", "2026-03-08T03:30:00-04:00")]
    [TestCase("20260308023000+0000", "2026-03-08T02:30:00+00:00")]
    public void A_timestamp_is_placed_with_its_offset_or_the_zones(string text, string expected)
    {
        var (value, findings) = Read(text);

        Assert.That(findings.Issues, Is.Empty);
        Assert.That(value, Is.EqualTo(expected));
    }

    [Test]
    public void A_local_time_the_clocks_skipped_is_refused_saying_so()
    {
        var (value, findings) = Read("20260308023000");

        Assert.That(value, Is.Null);
        Assert.That(findings.Issues.Single().Location, Is.EqualTo(At));
        Assert.That(findings.Issues.Single().Text, Does.Contain("daylight-saving gap of America/New_York"));
    }

    [Test]
    public void A_local_time_that_happened_twice_is_refused_saying_so()
    {
        var (value, findings) = Read("20261101013000");

        Assert.That(value, Is.Null);
        Assert.That(findings.Issues.Single().Text, Does.Contain("happened twice in America/New_York"));
    }

    [TestCase("2026-01-05")]
    [TestCase("20260105T1000")]
    [TestCase("2026010510000")]
    [TestCase("20260105100000+05")]
    [TestCase("20260105+0100")]
    [TestCase("20260105100000+1500")]
    [TestCase("20260105100000.12345")]
    [TestCase("20261305100000")]
    [TestCase("20260230100000")]
    [TestCase("20260105250000")]
    public void Anything_else_is_refused_at_its_field(string text)
    {
        var (value, findings) = Read(text);

        Assert.That(value, Is.Null);
        Assert.That(findings.HasErrors, Is.True);
        Assert.That(findings.Issues.Single().Location, Is.EqualTo(At));
    }
}
