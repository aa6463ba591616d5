using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Research.Biomarkers;

/// <summary>Checks <see cref="BiomarkerSettings"/> at start-up: each problem names its setting and stops the service.</summary>
public sealed class BiomarkerSettingsValidator : IValidateOptions<BiomarkerSettings>
{
    public ValidateOptionsResult Validate(string? name, BiomarkerSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
