using System.Net;
using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Identity;

/// <summary>
/// Configuration section <c>Identity</c>. With neither <see cref="Authority"/> nor <see cref="Audience"/> set the
/// service runs in the embedded development mode (tokens signed with the key in the data folder, made by the
/// <c>token</c> verb). With both set it validates tokens of the hospital's OpenID Connect provider and refuses the
/// development key. One without the other stops start-up.
/// </summary>
public sealed record IdentitySettings
{
    public const string SectionName = "Identity";

    /// <summary>The OpenID Connect issuer URL; its <c>/.well-known/openid-configuration</c> gives the signing keys.</summary>
    public string? Authority { get; init; }

    /// <summary>The audience (<c>aud</c>) the provider puts in tokens issued for CrsMonitor.</summary>
    public string? Audience { get; init; }

    /// <summary>
    /// OpenID Connect mode: the client id the hospital's provider registered for the dashboard (a public client using the
    /// authorization code flow with PKCE, redirect URI the dashboard's own address). Without it the dashboard cannot
    /// sign anyone in and says so.
    /// </summary>
    public string? ClientId { get; init; }

    /// <summary>The scopes the dashboard asks for (space-separated); they must get a token whose audience is <see cref="Audience"/>.</summary>
    public string Scope { get; init; } = "openid profile";

    /// <summary>The claim carrying the role (nurse, physician, integration, admin). Default <c>role</c>.</summary>
    public string RoleClaim { get; init; } = "role";

    /// <summary>The claim carrying the units (location ids) a user works on; may repeat. Default <c>unit</c>.</summary>
    public string UnitClaim { get; init; } = "unit";

    public bool UsesOpenIdConnect => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(Audience);

    /// <summary>
    /// Metadata must come over https, except from a loopback authority (http://localhost, 127.0.0.1, [::1]) used to
    /// test against a local provider. A non-loopback http authority is refused by <see cref="Problems"/>.
    /// </summary>
    public bool RequireHttpsMetadata => !IsLoopbackHttp(Authority);

    public static IdentitySettings FromConfiguration(IConfiguration configuration) =>
        SettingsBinding.Bind(configuration, SectionName, new IdentitySettings());

    /// <summary>Everything wrong with this configuration, each naming its setting; empty when it can be used.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        var hasAuthority = !string.IsNullOrWhiteSpace(Authority);
        var hasAudience = !string.IsNullOrWhiteSpace(Audience);
        if (hasAuthority && !hasAudience)
        {
            problems.Add("Identity:Audience must be set when Identity:Authority is set: it is the audience (aud) your OpenID Connect provider puts in tokens for CrsMonitor.");
        }

        if (hasAudience && !hasAuthority)
        {
            problems.Add("Identity:Authority must be set when Identity:Audience is set: it is the issuer URL of your OpenID Connect provider.");
        }

        if (hasAuthority)
        {
            if (!Uri.TryCreate(Authority, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                problems.Add($"Identity:Authority must be an absolute https URL (was '{Authority}').");
            }
            else if (uri.Scheme == Uri.UriSchemeHttp && !IsLoopbackHttp(Authority))
            {
                problems.Add($"Identity:Authority must use https (was '{Authority}'); http is accepted only for a loopback address such as http://localhost when testing.");
            }
        }

        if (!string.IsNullOrWhiteSpace(ClientId) && !hasAuthority)
        {
            problems.Add("Identity:ClientId is the dashboard's client at your OpenID Connect provider: set Identity:Authority and Identity:Audience too, or remove it.");
        }

        if (hasAuthority && !Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("openid", StringComparer.Ordinal))
        {
            problems.Add($"Identity:Scope must include 'openid' (was '{Scope}').");
        }

        if (string.IsNullOrWhiteSpace(RoleClaim))
        {
            problems.Add("Identity:RoleClaim must name the claim that carries the role (default 'role').");
        }

        if (string.IsNullOrWhiteSpace(UnitClaim))
        {
            problems.Add("Identity:UnitClaim must name the claim that carries the units (default 'unit').");
        }

        return problems;
    }

    private static bool IsLoopbackHttp(string? authority) =>
        Uri.TryCreate(authority, UriKind.Absolute, out var uri)
        && uri.Scheme == Uri.UriSchemeHttp
        && (uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var ip) && IPAddress.IsLoopback(ip)));
}

/// <summary>Stops start-up when <see cref="IdentitySettings.Problems"/> finds anything.</summary>
internal sealed class IdentitySettingsValidator : IValidateOptions<IdentitySettings>
{
    public ValidateOptionsResult Validate(string? name, IdentitySettings options)
    {
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
