using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Monitoring.Protocols;

/// <summary>
/// Configuration section <c>Protocols</c>. <see cref="Directory"/>: where the protocol files are read from (default:
/// <c>schemas/protocols</c> beside the service binary; a hospital may point it at its own reviewed copy; the schema is
/// always the shipped one). <see cref="Jurisdiction"/>: whose label applies when a question names no jurisdiction.
/// </summary>
public sealed partial record ProtocolSettings
{
    public const string SectionName = "Protocols";

    public string? Directory { get; init; }

    public string Jurisdiction { get; init; } = "US";

    /// <summary>The drug whose protocol gives the check schedule of a window a nurse opens by hand before any protocol dose.</summary>
    public string DefaultDrug { get; init; } = "tarlatamab";

    [GeneratedRegex("^[A-Z]{2}(-[A-Z0-9]{1,3})?$", RegexOptions.CultureInvariant)]
    internal static partial Regex JurisdictionPattern();
}

public sealed class ProtocolSettingsValidator : IValidateOptions<ProtocolSettings>
{
    public ValidateOptionsResult Validate(string? name, ProtocolSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Jurisdiction is null || !ProtocolSettings.JurisdictionPattern().IsMatch(options.Jurisdiction))
        {
            failures.Add($"{ProtocolSettings.SectionName}:{nameof(ProtocolSettings.Jurisdiction)} '{options.Jurisdiction}' must be a country code such as US (ISO 3166, optionally with a subdivision: US-CA).");
        }

        if (string.IsNullOrWhiteSpace(options.DefaultDrug))
        {
            failures.Add($"{ProtocolSettings.SectionName}:{nameof(ProtocolSettings.DefaultDrug)} must name a drug key of drug-map.json (e.g. tarlatamab).");
        }

        if (options.Directory is { } directory && string.IsNullOrWhiteSpace(directory))
        {
            failures.Add($"{ProtocolSettings.SectionName}:{nameof(ProtocolSettings.Directory)} must name a folder, or be left out for the shipped protocols.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
