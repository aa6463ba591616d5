using CrsMonitor.Service.Assessment;

namespace CrsMonitor.Service.Tests.Assessment;

/// <summary>Configuration section ContinuousGrading: out-of-range or inconsistent windows are refused, naming the key.</summary>
public sealed class GradeTimelineSettingsTests
{
    [Test]
    public void ContinuousGradingSettings_Defaults_AreValid() =>
        Assert.That(new ContinuousGradingSettingsValidator().Validate(null, new ContinuousGradingSettings()).Succeeded, Is.True);

    [TestCase("VitalsStaleAfter")]
    [TestCase("NeuroCheckStaleAfter")]
    [TestCase("PremedicationBeforeDose")]
    public void ContinuousGradingSettings_ZeroWindow_IsRefusedNamingIt(string key)
    {
        var settings = key switch
        {
            "VitalsStaleAfter" => new ContinuousGradingSettings { VitalsStaleAfter = TimeSpan.Zero },
            "NeuroCheckStaleAfter" => new ContinuousGradingSettings { NeuroCheckStaleAfter = TimeSpan.Zero },
            _ => new ContinuousGradingSettings { PremedicationBeforeDose = TimeSpan.Zero },
        };
        var result = new ContinuousGradingSettingsValidator().Validate(null, settings);
        Assert.That(result.Failures, Has.Some.StartsWith($"ContinuousGrading:{key} must be between"));
    }

    [Test]
    public void ContinuousGradingSettings_EpisodeClosingBeforeTheFeverLookbackEnds_IsRefused()
    {
        var settings = new ContinuousGradingSettings { EpisodeClosesAfter = TimeSpan.FromHours(12) };
        var result = new ContinuousGradingSettingsValidator().Validate(null, settings);
        Assert.That(result.Failures, Has.Some.StartsWith("ContinuousGrading:EpisodeClosesAfter must be at least FeverLookback"));
    }
}
