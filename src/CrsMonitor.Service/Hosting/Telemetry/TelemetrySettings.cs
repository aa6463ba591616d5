using System.Net;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Hosting.Telemetry;

/// <summary>
/// Configuration section <c>Telemetry</c>: whether <c>GET /metrics</c> (Prometheus text) is served, and to which
/// networks. The metrics carry no patient data (no patient id, no unit, no resource id: see
/// <see cref="ServiceMetrics"/>), so the endpoint needs no token (Prometheus scrapes without one); what it does tell
/// (load, latency, error rates) is for the hospital's IT only, so it answers only callers from the listed networks,
/// by default this machine alone.
/// </summary>
public sealed record TelemetrySettings
{
    public const string SectionName = "Telemetry";

    /// <summary>Serve <c>GET /metrics</c> (false: 404, and no metric is collected).</summary>
    public bool Metrics { get; init; } = true;

    /// <summary>This machine only: the default of <see cref="MetricsAllowedNetworks"/>.</summary>
    public static readonly IReadOnlyList<string> Loopback = ["127.0.0.0/8", "::1/128"];

    /// <summary>
    /// Networks (CIDR, e.g. <c>10.20.0.0/16</c>) whose callers may read <c>/metrics</c>. Empty (not configured):
    /// <see cref="Loopback"/>; a configured list replaces it (list loopback too if a local agent scrapes).
    /// </summary>
    public IReadOnlyList<string> MetricsAllowedNetworks { get; init; } = [];

    public static TelemetrySettings FromConfiguration(IConfiguration configuration) =>
        SettingsBinding.Bind(configuration, SectionName, new TelemetrySettings());

    /// <summary>The allowed networks; call only on settings without <see cref="Problems"/>.</summary>
    public IReadOnlyList<IPNetwork> AllowedNetworks() =>
        [.. (MetricsAllowedNetworks.Count == 0 ? Loopback : MetricsAllowedNetworks).Select(n => IPNetwork.Parse(n.Trim()))];

    /// <summary>Everything wrong with these settings, each naming its setting; empty when they can be used.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        foreach (var network in MetricsAllowedNetworks)
        {
            if (!IPNetwork.TryParse(network?.Trim(), out _))
            {
                problems.Add($"{SectionName}:{nameof(MetricsAllowedNetworks)}: '{network}' is not a network in CIDR notation (such as 10.20.0.0/16 or ::1/128).");
            }
        }

        return problems;
    }
}

/// <summary>Stops start-up when <see cref="TelemetrySettings.Problems"/> finds anything.</summary>
internal sealed class TelemetrySettingsValidator : IValidateOptions<TelemetrySettings>
{
    public ValidateOptionsResult Validate(string? name, TelemetrySettings options)
    {
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
