using CrsMonitor.Service.Identity;
using Microsoft.Data.Sqlite;

namespace CrsMonitor.Service.Tests.Identity;

/// <summary>
/// A researcher sees no identified patient data anywhere, whatever else the token carries (a physician who also
/// researches gets a second token, not a wider one): the one decision, <see cref="PatientAccess"/>, says no before it
/// looks a patient up, and no unit's census or feed is open to such a token.
/// </summary>
public sealed class ResearcherAccessTests
{
    [TestCase(Roles.Researcher)]
    [TestCase(Roles.Physician, Roles.Researcher)]
    [TestCase(Roles.Nurse, Roles.Researcher)]
    public async Task ATokenCarryingTheResearcherRole_ReachesNoPatient_AndNoUnit(params string[] roles)
    {
        var user = new CurrentUser("r-1", roles, ["7W"]);
        await using var connection = new SqliteConnection("Data Source=:memory:");
        foreach (var use in Enum.GetValues<PatientDataUse>())
        {
            // No table exists: a lookup would throw, so a pass proves the refusal comes before any patient is read.
            Assert.That(await PatientAccess.AllowsAsync(connection, user, use, "p1", CancellationToken.None), Is.False, use.ToString());
        }

        Assert.That(PatientAccess.MayAccessUnit(user, "7W"), Is.False);
    }

    [Test]
    public void APhysicianOfTheUnit_StillReachesIt() =>
        Assert.That(PatientAccess.MayAccessUnit(new CurrentUser("d-1", [Roles.Physician], ["7W"]), "7W"), Is.True);
}
