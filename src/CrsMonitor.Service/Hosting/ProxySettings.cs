using IPNetwork = System.Net.IPNetwork;
using Microsoft.AspNetCore.HttpOverrides;

namespace CrsMonitor.Service.Hosting;

/// <summary>
/// Section <c>Proxy</c>: the reverse proxies (load balancers) in front of the service. A request from one of
/// <see cref="TrustedNetworks"/> is taken as coming from the client it names in <c>X-Forwarded-For</c> (the audit's
/// address, the anonymous request budget) over the scheme in <c>X-Forwarded-Proto</c> (the hub's same-origin check,
/// absolute <c>Location</c> URLs behind TLS ended at the proxy). Empty (the default): no forwarded header is believed,
/// from anyone, so a client cannot pick its own address.
/// </summary>
public sealed record ProxySettings
{
    public const string SectionName = "Proxy";

    /// <summary>The proxies' addresses as networks in CIDR notation (<c>10.20.0.5/32</c>); one hop is believed.</summary>
    public IReadOnlyList<string> TrustedNetworks { get; init; } = [];

    public static ProxySettings FromConfiguration(IConfiguration configuration) =>
        SettingsBinding.Bind(configuration, SectionName, new ProxySettings());

    /// <summary>Everything wrong with these settings, each naming its setting; empty when they can be used.</summary>
    public IReadOnlyList<string> Problems() =>
    [
        .. TrustedNetworks.Where(n => !IPNetwork.TryParse(n?.Trim(), out _))
            .Select(n => $"{SectionName}:{nameof(TrustedNetworks)}: '{n}' is not a network in CIDR notation (such as 10.20.0.5/32)."),
    ];

    /// <summary>Believes X-Forwarded-For and X-Forwarded-Proto from the trusted proxies only (nothing when none is configured).</summary>
    public static void UseTrustedProxies(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var settings = FromConfiguration(app.Configuration);
        if (settings.TrustedNetworks.Count == 0)
        {
            return;
        }

        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto, ForwardLimit = 1 };
        options.KnownProxies.Clear(); // the default believes loopback: only what is configured
        options.KnownIPNetworks.Clear();
        foreach (var network in settings.TrustedNetworks)
        {
            options.KnownIPNetworks.Add(IPNetwork.Parse(network.Trim()));
        }

        app.UseForwardedHeaders(options);
    }
}
