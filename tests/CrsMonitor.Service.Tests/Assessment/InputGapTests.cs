using CrsMonitor.Service.Assessment;

namespace CrsMonitor.Service.Tests.Assessment;

/// <summary>
/// How a grade's stale-or-missing texts become the gaps the census and the patient page show: never recorded, stale
/// with the time of the last reading (from the basis), or another gap whose text the page shows as it is.
/// </summary>
public sealed class InputGapTests
{
    private static readonly DateTimeOffset Five = new(2026, 1, 1, 5, 0, 0, TimeSpan.Zero);

    [Test]
    public void NoneRecorded_IsMissing_WithoutTime()
    {
        var gap = InputGap.From([], ["neuroCheck: none recorded"]).Single();
        Assert.That(gap, Is.EqualTo(new InputGap("neuroCheck", true, null, "neuroCheck: none recorded")));
    }

    [Test]
    public void NoBirthDateRecorded_IsMissing()
    {
        Assert.That(InputGap.From([], ["age: no birth date recorded"]).Single().Missing, Is.True);
    }

    [Test]
    public void Stale_TakesTheTimeOfTheStaleBasisInputOfThatName_NotOfACurrentOne()
    {
        BasisResponse[] basis =
        [
            new("systolicBp", "118 mmHg", Five.AddHours(4), "Observation/b/_history/1", Stale: false),
            new("temperature", "37.2 °C", Five, "Observation/t/_history/1", Stale: true),
        ];
        var gaps = InputGap.From(basis, ["temperature: last 37.2 °C at 2026-01-01T05:00Z is stale (4 h or older)"]);
        Assert.That(gaps.Single(), Is.EqualTo(new InputGap("temperature", false, Five, "temperature: last 37.2 °C at 2026-01-01T05:00Z is stale (4 h or older)")));
    }

    [Test]
    public void OtherGap_IsNeitherMissingNorStale_AndKeepsItsText()
    {
        const string text = "oxygenFlow: none recorded with or since the oxygen device at 2026-01-01T05:00Z within 4 h";
        Assert.That(InputGap.From([], [text]).Single(), Is.EqualTo(new InputGap("oxygenFlow", false, null, text)));
    }
}
