using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CrsMonitor.Service.Identity;

/// <summary>Mints development tokens with the claims a hospital provider would send: sub, role, unit (repeatable).</summary>
public static class DevTokenIssuer
{
    public static string Issue(
        DevSigningKey key, IdentitySettings settings, TimeProvider time, string role, IReadOnlyList<string> units, string subject, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(units);
        var now = time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Sub] = subject,
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            [settings.RoleClaim] = role,
        };
        if (units.Count > 0)
        {
            claims[settings.UnitClaim] = units.ToArray();
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = DevSigningKey.Issuer,
            Audience = DevSigningKey.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = claims,
            SigningCredentials = key.SigningCredentials,
        });
    }
}
