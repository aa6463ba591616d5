using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CrsMonitor.Service.Identity;

/// <summary>Who is calling, as the token says: subject, roles and the units whose patients they may see.</summary>
public sealed record CurrentUser(string? Subject, IReadOnlyList<string> Roles, IReadOnlyList<string> Units)
{
    public static CurrentUser From(ClaimsPrincipal principal, IdentitySettings settings)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(settings);
        return new CurrentUser(
            principal.FindFirst(JwtRegisteredClaimNames.Sub)?.Value,
            [.. principal.FindAll(settings.RoleClaim).Select(c => c.Value).Distinct(StringComparer.Ordinal)],
            [.. principal.FindAll(settings.UnitClaim).Select(c => c.Value).Distinct(StringComparer.Ordinal)]);
    }
}
