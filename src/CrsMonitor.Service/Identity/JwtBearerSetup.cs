using System.Globalization;
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
    /// <summary>How far the service's clock and the issuer's may disagree: a token is accepted until its <c>exp</c> plus this.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The longest an <c>integration</c> token may live (<c>exp</c> − <c>iat</c>, or − <c>nbf</c> without <c>iat</c>), as
    /// the <c>token</c> verb issues them. Both instants come from the issuer's clock, so no skew is added.
    /// </summary>
    public static readonly TimeSpan IntegrationMaxLifetime = TimeSpan.FromMinutes(TokenCommand.IntegrationMaxMinutes);

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
        parameters.ClockSkew = ClockSkew;
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

        // JwtBearer validates with JsonWebTokenHandler; any other token type would escape the integration limit, so it is refused.
        if (token is not JsonWebToken jwt)
        {
            throw new SecurityTokenInvalidTypeException("Only JSON Web Tokens are accepted.");
        }

        if (jwt.Claims.Any(c => c.Type == settings.Value.RoleClaim && c.Value == Roles.Integration))
        {
            var issued = jwt.IssuedAt != DateTime.MinValue ? jwt.IssuedAt : notBefore;
            if (issued is not { } from || end.ToUniversalTime() - from.ToUniversalTime() > IntegrationMaxLifetime)
            {
                throw new IntegrationTokenTooLongException(issued is null ? null : end.ToUniversalTime() - issued.Value.ToUniversalTime());
            }
        }

        return true;
    }

    /// <summary>
    /// Leaves a plain reason for the 401 body, and for a token that was sent but refused also in <c>WWW-Authenticate</c>
    /// (<c>error="invalid_token"</c>, RFC 6750); never the token or the library's detailed error.
    /// </summary>
    private static Task ExplainChallenge(JwtBearerChallengeContext context)
    {
        var reason = context.AuthenticateFailure switch
        {
            null => "A bearer token is required (Authorization: Bearer <token>).",
            SecurityTokenExpiredException => "The bearer token has expired; get a new one.",
            SecurityTokenNoExpirationException => "The bearer token has no expiry (exp); tokens must expire.",
            IntegrationTokenTooLongException tooLong => tooLong.Message,
            _ => "The bearer token is not valid for this service.",
        };
        context.HttpContext.Items[ProblemMessages.UnauthorizedDetailKey] = reason;
        if (context.AuthenticateFailure is not null)
        {
            context.Error = "invalid_token";
            context.ErrorDescription = reason;
        }

        return Task.CompletedTask;
    }
}

/// <summary>An <c>integration</c> token that lives longer than <see cref="JwtBearerSetup.IntegrationMaxLifetime"/>, or does not say when it was issued.</summary>
#pragma warning disable CA1032 // Only thrown by the lifetime check above, with its one message.
internal sealed class IntegrationTokenTooLongException(TimeSpan? lifetime) : SecurityTokenInvalidLifetimeException(Describe(lifetime))
{
    private static string Describe(TimeSpan? lifetime) => lifetime is { } l
        ? string.Create(CultureInfo.InvariantCulture,
            $"An integration token may live at most {JwtBearerSetup.IntegrationMaxLifetime.TotalMinutes:0} minutes (exp - iat); this one lives {l.TotalMinutes:0.##} minutes. Ask for a shorter-lived token.")
        : string.Create(CultureInfo.InvariantCulture,
            $"An integration token must say when it was issued (iat or nbf), so that its lifetime (at most {JwtBearerSetup.IntegrationMaxLifetime.TotalMinutes:0} minutes) can be checked.");
}
#pragma warning restore CA1032
