using CrsMonitor.Service.Monitoring.Protocols;

namespace CrsMonitor.Service.Tests.Monitoring.Protocols;

/// <summary>
/// A new version is a new file with a later effectiveFrom: the earlier version applies up to the day before, the later
/// one from its date. An institution that uses 20 hours instead of 22 publishes such a version (basis institution).
/// </summary>
public sealed class ProtocolVersionTests
{
    private ProtocolFolder folder = null!;
    private ProtocolCatalog catalog = null!;

    [OneTimeSetUp]
    public void AddAnInstitutionVersion()
    {
        folder = new ProtocolFolder();
        folder.AddVersion(ProtocolFolder.Tarlatamab, "tarlatamab-us-2026-03-inst", p =>
        {
            p["version"] = "2026-03-inst";
            p["effectiveFrom"] = "2026-03-01";
            p["windows"]![0]!["minHours"] = 20;
            p["windows"]![0]!["basis"] = "institution";
            p["windows"]![0]!["source"] = "Institution policy: 20 h minimum for C1D1 and C1D8 (pharmacy and therapeutics committee, 2026-02)";
        });
        catalog = folder.Catalog();
    }

    [OneTimeTearDown]
    public void Delete() => folder.Dispose();

    [TestCase("2025-11-01", "tarlatamab-us-2025-11", 22)]
    [TestCase("2026-02-28", "tarlatamab-us-2025-11", 22)]
    [TestCase("2026-03-01", "tarlatamab-us-2026-03-inst", 20)]
    [TestCase("2027-01-01", "tarlatamab-us-2026-03-inst", 20)]
    public void LaterVersion_AppliesFromItsDate(string date, string expectedId, int minHours)
    {
        var plan = catalog.PlanFor("tarlatamab", DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture), 1, 1)!;
        Assert.That(plan.Protocol.Id, Is.EqualTo(expectedId));
        Assert.That(plan.Windows[0].MinHours, Is.EqualTo((decimal)minHours));
    }

    [Test]
    public void EffectiveUntil_IsTheNextVersionsDate()
    {
        Assert.That(catalog.EffectiveUntil(catalog.Find("tarlatamab-us-2025-11")!.Protocol), Is.EqualTo(new DateOnly(2026, 3, 1)));
        Assert.That(catalog.EffectiveUntil(catalog.Find("tarlatamab-us-2026-03-inst")!.Protocol), Is.Null);
    }

    [Test]
    public void InstitutionWindow_SaysSo()
    {
        var window = catalog.PlanFor("tarlatamab", new DateOnly(2026, 3, 2), 1, 8)!.Windows[0];
        Assert.That((window.Basis, window.MaxHours), Is.EqualTo((Basis.Institution, 24m)));
        Assert.That(window.Source, Does.StartWith("Institution policy"));
    }

    [Test]
    public void FilesAreListedByDrugJurisdictionAndDate() =>
        Assert.That(catalog.Files.Select(f => f.Protocol.Id), Is.EqualTo(new[]
        {
            "elranatamab-us-2025-11", "epcoritamab-us-2025-11", "glofitamab-us-2025-11",
            "tarlatamab-us-2025-11", "tarlatamab-us-2026-03-inst", "teclistamab-us-2025-11",
        }));
}
