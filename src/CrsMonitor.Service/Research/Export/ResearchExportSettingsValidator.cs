using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Research.Export;

/// <summary>Start-up validation of <see cref="ResearchExportSettings"/>: each problem named in the failure.</summary>
internal sealed class ResearchExportSettingsValidator : IValidateOptions<ResearchExportSettings>
{
    public ValidateOptionsResult Validate(string? name, ResearchExportSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
