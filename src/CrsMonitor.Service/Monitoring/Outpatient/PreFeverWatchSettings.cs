using System.Globalization;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Monitoring.Outpatient;

/// <summary>
/// Section <c>PreFeverWatch</c>: when a temperature rise above the patient's own baseline raises the pre-fever watch (a
/// state on the status and census, never a grade and never an alert: grading-rules.md section 7). Baseline: the mean
/// and sample SD of the temperatures charted in the <see cref="BaselineHoursBeforeDose"/> hours before the dose (a
/// window opened by hand: before its opening), else of the first <see cref="BaselineMinutesIntoWindow"/> minutes of the
/// window, with at least <see cref="MinimumBaselineReadings"/> readings. Threshold: mean + max(<see cref="SdMultiplier"/>
/// × SD, <see cref="MinimumRiseCelsius"/>), kept to 0.001 °C (rounded up). A breach is a reading strictly above it; the
/// watch is raised when <see cref="SustainedReadings"/> consecutive readings breach and span at least
/// <see cref="SustainedMinutes"/> minutes (one spike is no watch).
/// </summary>
public sealed class PreFeverWatchSettings
{
    public const string SectionName = "PreFeverWatch";

    /// <summary>Hours before the dose whose temperatures make the baseline (1-168). Default 24.</summary>
    public int BaselineHoursBeforeDose { get; set; } = 24;

    /// <summary>Minutes from the window's opening used for the baseline when too few readings came before the dose (0 = never; 0-720). Default 60.</summary>
    public int BaselineMinutesIntoWindow { get; set; } = 60;

    /// <summary>Readings a baseline needs (2-1000). Default 3.</summary>
    public int MinimumBaselineReadings { get; set; } = 3;

    /// <summary>k in mean + max(k·SD, minimum rise) (0.5-6). Default 2.</summary>
    public decimal SdMultiplier { get; set; } = 2m;

    /// <summary>The smallest rise above the mean that counts, °C (0.1-2.0). Default 0.5.</summary>
    public decimal MinimumRiseCelsius { get; set; } = 0.5m;

    /// <summary>Consecutive readings above the threshold that raise the watch (1-100). Default 2.</summary>
    public int SustainedReadings { get; set; } = 2;

    /// <summary>Minutes the breaching readings must span, first to last (0-240). Default 10.</summary>
    public int SustainedMinutes { get; set; } = 10;
}

public sealed class PreFeverWatchSettingsValidator : IValidateOptions<PreFeverWatchSettings>
{
    public ValidateOptionsResult Validate(string? name, PreFeverWatchSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        Check(problems, nameof(options.BaselineHoursBeforeDose), options.BaselineHoursBeforeDose, 1, 168, "hours before the dose");
        Check(problems, nameof(options.BaselineMinutesIntoWindow), options.BaselineMinutesIntoWindow, 0, 720, "minutes from the window's opening; 0 = never");
        Check(problems, nameof(options.MinimumBaselineReadings), options.MinimumBaselineReadings, 2, 1000, "readings (an SD needs two)");
        Check(problems, nameof(options.SdMultiplier), options.SdMultiplier, 0.5m, 6m, "standard deviations");
        Check(problems, nameof(options.MinimumRiseCelsius), options.MinimumRiseCelsius, 0.1m, 2.0m, "°C");
        Check(problems, nameof(options.SustainedReadings), options.SustainedReadings, 1, 100, "readings");
        Check(problems, nameof(options.SustainedMinutes), options.SustainedMinutes, 0, 240, "minutes");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void Check(List<string> problems, string key, decimal value, decimal min, decimal max, string what)
    {
        if (value < min || value > max)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{PreFeverWatchSettings.SectionName}:{key}: {value} must be from {min} to {max} ({what})."));
        }
    }
}
