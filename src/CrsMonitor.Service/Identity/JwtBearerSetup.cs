using CrsMonitor.Service.Hosting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CrsMonitor.Service.Identity;

/// <summary>
/// Bearer token validation for both modes. Development: issuer and audience <c>crsmonitor-dev</c>, HS256 with the key
/// from the data folder. OpenID Connect: the provider's metadata gives issuer and keys, so the development key is
/// never accepted. Claims keep their JWT names (no inbound mapping); roles come from <c>Identity:RoleClaim</c>.
/// </summary>
internal sealed class JwtBearerSetup(IOptions<IdentitySettings> settings, DevSigningKeyStore keys, TimeProvider time)
    : IConfigureNamedOptions<JwtBearerOptions>
{
    public void Configure(JwtBearerOptions options) => Configure(Options.DefaultName, options);

    public void Configure(string? name, JwtBearerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (name != JwtBearerDefaults.AuthenticationScheme)
        {
            return;
        }

        var identity = settings.Value;
        options.MapInboundClaims = false;
        options.IncludeErrorDetails = false;
        var parameters = options.TokenValidationParameters;
        parameters.NameClaimType = JwtRegisteredClaimNames.Sub;
        parameters.RoleClaimType = identity.RoleClaim;
        parameters.RequireExpirationTime = true;
        parameters.RequireSignedTokens = true;
        parameters.ClockSkew = TimeSpan.FromMinutes(1);
        parameters.LifetimeValidator = ValidateLifetime;

        if (identity.UsesOpenIdConnect)
        {
            options.Authority = identity.Authority;
            options.Audience = identity.Audience;
            options.RequireHttpsMetadata = identity.RequireHttpsMetadata;
        }
        else
        {
            parameters.ValidIssuer = DevSigningKey.Issuer;
            parameters.ValidAudience = DevSigningKey.Audience;
            parameters.IssuerSigningKey = keys.Current.SecurityKey;
            parameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }

        options.Events = new JwtBearerEvents { OnChallenge = ExplainChallenge };
    }

    /// <summary>Token lifetime against the service's <see cref="TimeProvider"/> (so tests can step time), with the clock skew.</summary>
    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (expires is not { } end)
        {
            throw new SecurityTokenNoExpirationException("The token has no expiry.");
        }

        if (notBefore is { } start && start.ToUniversalTime() > now + parameters.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = start };
        }

        if (end.ToUniversalTime() < now - parameters.ClockSkew)
        {
            throw new SecurityTokenExpiredException("The token has expired.") { Expires = end };
        }

        return true;
    }

    /// <summary>Leaves a plain reason for the 401 body; never the token or the library's detailed error.</summary>
    private static Task ExplainChallenge(JwtBearerChallengeContext context)
    {
        context.HttpContext.Items[ProblemMessages.UnauthorizedDetailKey] = context.AuthenticateFailure switch
        {
            null => "A bearer token is required (Authorization: Bearer <token>).",
            SecurityTokenExpiredException => "The bearer token has expired; get a new one.",
            _ => "The bearer token is not valid for this service.",
        };
        return Task.CompletedTask;
    }
}
