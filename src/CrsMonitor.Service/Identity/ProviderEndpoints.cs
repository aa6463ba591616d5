using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Identity;

/// <summary>The OpenID Connect provider's token and authorization endpoints, as its discovery document gives them.</summary>
public sealed record ProviderEndpoints(Uri? Token, Uri? Authorize)
{
    /// <summary>How long <c>/fhir/metadata</c> waits for a discovery document it does not have yet (real time: it bounds I/O).</summary>
    public static readonly TimeSpan DiscoveryWait = TimeSpan.FromSeconds(3);

    /// <summary>
    /// In OpenID Connect mode, the endpoints of the discovery document the bearer handler uses (the same cached copy);
    /// null in development mode, or when the provider does not answer within <see cref="DiscoveryWait"/>, so that an
    /// anonymous metadata request never waits on the provider for long nor fails because of it.
    /// </summary>
    public static async Task<ProviderEndpoints?> DiscoverAsync(IServiceProvider services, IdentitySettings identity, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(identity);
        if (!identity.UsesOpenIdConnect)
        {
            return null;
        }

        var bearer = services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        try
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(DiscoveryWait);
            var configuration = bearer.Configuration
                ?? (bearer.ConfigurationManager is { } manager ? await manager.GetConfigurationAsync(wait.Token).ConfigureAwait(false) : null);
            return configuration is null ? null : new ProviderEndpoints(UriOf(configuration.TokenEndpoint), UriOf(configuration.AuthorizationEndpoint));
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or IOException or HttpRequestException)
        {
            return null;
        }
    }

    private static Uri? UriOf(string? value) => Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri : null;
}
