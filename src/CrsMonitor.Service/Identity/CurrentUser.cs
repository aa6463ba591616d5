using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CrsMonitor.Service.Identity;

/// <summary>Who is calling, as the token says: subject, roles and the units whose patients they may see.</summary>
public sealed record CurrentUser(string? Subject, IReadOnlyList<string> Roles, IReadOnlyList<string> Units)
{
    /// <summary>
    /// A check-in code's writer (issue 17): the one patient its submissions may be about. Set only by the check-in
    /// endpoint after it verified the code, never from a token's claims.
    /// </summary>
    public string? CheckInPatientId { get; init; }

    /// <summary>The writer of a check-in submission: FHIR writes for <paramref name="patientId"/> only, no read.</summary>
    public static CurrentUser CheckIn(string codeId, string patientId) =>
        new($"checkin:{codeId}", [Identity.Roles.CheckIn], []) { CheckInPatientId = patientId };

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
