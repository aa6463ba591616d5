using CrsMonitor.Grading;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// Configuration section <c>Grading</c> (grading-rules.md settings). A value outside its plausible range stops
/// start-up: a typo here would silently change every grade.
/// </summary>
internal sealed class GradingSettingsValidator : IValidateOptions<GradingSettings>
{
    public const string SectionName = "Grading";

    public ValidateOptionsResult Validate(string? name, GradingSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        Check(problems, nameof(GradingSettings.HypotensionSystolicBelowMmHg), options.HypotensionSystolicBelowMmHg, 60, 120, "mmHg");
        Check(problems, nameof(GradingSettings.IceMinimumAgeYears), options.IceMinimumAgeYears, 5, 18, "years");
        Check(problems, nameof(GradingSettings.ComfortOxygenMinimumSpo2Percent), options.ComfortOxygenMinimumSpo2Percent, 80, 100, "%");
        Check(problems, nameof(GradingSettings.HypoxiaAlertSpo2BelowPercent), options.HypoxiaAlertSpo2BelowPercent, 70, 100, "%");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void Check(List<string> problems, string key, decimal value, decimal min, decimal max, string unit)
    {
        if (value < min || value > max)
        {
            problems.Add($"{SectionName}:{key} must be between {min} and {max} {unit} (was {value}).");
        }
    }
}
