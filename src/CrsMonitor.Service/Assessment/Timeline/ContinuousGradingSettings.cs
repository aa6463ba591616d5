using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// Configuration section <c>ContinuousGrading</c>: how long a reading stays usable and how long an episode stays open
/// (grading-rules.md section 5). Every window is half-open: a reading taken at <c>t</c> is used at instants
/// <c>t ≤ T &lt; t + window</c>, so at exactly <c>t + window</c> it is stale (or out of the lookback).
/// </summary>
public sealed record ContinuousGradingSettings
{
    public const string SectionName = "ContinuousGrading";

    /// <summary>Temperature, blood pressure, SpO2, oxygen flow; also a fluid bolus or a stopped vasopressor counts this long.</summary>
    public TimeSpan VitalsStaleAfter { get; init; } = TimeSpan.FromHours(4);

    public TimeSpan OxygenDeviceStaleAfter { get; init; } = TimeSpan.FromHours(4);

    public TimeSpan NeuroCheckStaleAfter { get; init; } = TimeSpan.FromHours(12);

    /// <summary>Fever gate: a fever (≥ 38.0 °C) this recent still counts as fever for the CRS grade.</summary>
    public TimeSpan FeverLookback { get; init; } = TimeSpan.FromHours(24);

    /// <summary>An episode closes after this long with no qualifying finding (no fever, hypotension or hypoxia; ICANS: no grade ≥ 1).</summary>
    public TimeSpan EpisodeClosesAfter { get; init; } = TimeSpan.FromHours(24);

    /// <summary>CRS-PREMED: a corticosteroid premedication may mask fever for this long after it was given.</summary>
    public TimeSpan PremedicationMasksFor { get; init; } = TimeSpan.FromHours(48);

    /// <summary>CRS-PREMED: a corticosteroid is a premedication when given at most this long before a protocol-drug dose.</summary>
    public TimeSpan PremedicationBeforeDose { get; init; } = TimeSpan.FromHours(3);
}

/// <summary>
/// Checks <see cref="ContinuousGradingSettings"/> at start-up: a window outside its plausible range would silently
/// change every grade, and an episode that closed while a fever still counted would reopen at once.
/// </summary>
public sealed class ContinuousGradingSettingsValidator : IValidateOptions<ContinuousGradingSettings>
{
    public ValidateOptionsResult Validate(string? name, ContinuousGradingSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        Check(problems, nameof(options.VitalsStaleAfter), options.VitalsStaleAfter, TimeSpan.FromMinutes(15), TimeSpan.FromHours(24));
        Check(problems, nameof(options.OxygenDeviceStaleAfter), options.OxygenDeviceStaleAfter, TimeSpan.FromMinutes(15), TimeSpan.FromHours(24));
        Check(problems, nameof(options.NeuroCheckStaleAfter), options.NeuroCheckStaleAfter, TimeSpan.FromHours(1), TimeSpan.FromHours(48));
        Check(problems, nameof(options.FeverLookback), options.FeverLookback, TimeSpan.FromHours(1), TimeSpan.FromHours(72));
        Check(problems, nameof(options.EpisodeClosesAfter), options.EpisodeClosesAfter, TimeSpan.FromHours(1), TimeSpan.FromDays(7));
        Check(problems, nameof(options.PremedicationMasksFor), options.PremedicationMasksFor, TimeSpan.FromHours(1), TimeSpan.FromDays(7));
        Check(problems, nameof(options.PremedicationBeforeDose), options.PremedicationBeforeDose, TimeSpan.FromMinutes(5), TimeSpan.FromHours(24));
        if (options.EpisodeClosesAfter < options.FeverLookback || options.EpisodeClosesAfter < options.VitalsStaleAfter)
        {
            problems.Add($"{ContinuousGradingSettings.SectionName}:{nameof(options.EpisodeClosesAfter)} must be at least "
                + $"{nameof(options.FeverLookback)} and {nameof(options.VitalsStaleAfter)} (was {options.EpisodeClosesAfter}): "
                + "an episode that closed while its last fever still counted would reopen at once.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void Check(List<string> problems, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            problems.Add($"{ContinuousGradingSettings.SectionName}:{key} must be between {min} and {max} (was {value}).");
        }
    }
}
