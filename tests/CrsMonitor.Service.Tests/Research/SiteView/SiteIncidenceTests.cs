using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Research.SiteView;
using CrsMonitor.Service.Tests.Monitoring.Protocols;

namespace CrsMonitor.Service.Tests.Research.SiteView;

/// <summary>
/// The site view over the shipped protocol files: doses placed by their protocol version's step-up index (treatment
/// doses left out), grouped per drug and step-up dose, labelled from the protocol file, with the label's median onset.
/// </summary>
public sealed class SiteIncidenceTests
{
    private const string Tarlatamab = "tarlatamab-us-2025-11";
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = T0.AddDays(30);
    private static readonly DateOnly Today = DateOnly.FromDateTime(Now.UtcDateTime);

    private ProtocolFolder folder = null!;

    [SetUp]
    public void CopyShipped() => folder = new ProtocolFolder();

    [TearDown]
    public void Delete() => folder.Dispose();

    private static SiteDose C1(string patient, double hours, int day, string? protocol = Tarlatamab) =>
        new(patient, "tarlatamab", T0.AddHours(hours), protocol, 1, day);

    private static EpisodeOnset Crs(string patient, double hours) => new(patient, Scale.Crs, T0.AddHours(hours));

    private SiteIncidenceReport Compute(SiteDose[] doses, EpisodeOnset[] onsets, string? drug = null, ProtocolCatalog? catalog = null) =>
        SiteIncidence.Compute(catalog ?? folder.Catalog(), doses, onsets, Now, Today, 360, drug);

    [Test]
    public void EveryDrugOfTheCatalog_IsListed_WithItsStepUpDosesFromTheFile_EvenWithoutDoses()
    {
        var report = Compute([], []);
        Assert.That((report.GeneratedAt, report.HorizonHours), Is.EqualTo((Now, 360)));
        Assert.That(report.Drugs.Select(d => d.Drug), Is.EqualTo(new[] { "elranatamab", "epcoritamab", "glofitamab", "tarlatamab", "teclistamab" }));
        Assert.That(report.Drugs.SelectMany(d => d.Doses.Select(s => $"{d.Drug}: {s.Label}")), Is.EqualTo(new[]
        {
            "elranatamab: step-up dose 1 (C1 D1, 12 mg)", "elranatamab: step-up dose 2 (C1 D4, 32 mg)",
            "epcoritamab: step-up dose 1 (C1 D1, 0.16 mg)", "epcoritamab: step-up dose 2 (C1 D8, 0.8 mg)",
            "glofitamab: step-up dose 1 (C1 D8, 2.5 mg)", "glofitamab: step-up dose 2 (C1 D15, 10 mg)",
            "tarlatamab: step-up dose 1 (C1 D1, 1 mg)",
            "teclistamab: step-up dose 1 (C1 D1, 0.06 mg/kg)", "teclistamab: step-up dose 2 (C1 D4, 0.3 mg/kg)",
        }));
        Assert.That(report.Drugs.SelectMany(d => d.Doses).Select(s => (s.N, s.Crs.N, s.Icans.N)), Has.All.EqualTo((0, 0, 0)));
    }

    [Test]
    public void Tarlatamab_ShowsTheVersionInForce_AndItsLabelOnset()
    {
        var drug = Compute([], [], "tarlatamab").Drugs.Single();
        Assert.That(drug.ProtocolId, Is.EqualTo(Tarlatamab));
        Assert.That(drug.LabelOnset!.Crs, Is.EqualTo(new OnsetRange(13m, 16m, WindowAnchor.Start, drug.LabelOnset.Crs!.Source)));
        Assert.That(drug.LabelOnset.Icans, Is.Null);
    }

    [Test]
    public void C1D1IsTheStepUpDose_C1D8WithoutStepUpIndexIsLeftOut_ButStillEndsC1D1sFollowUp()
    {
        // Three courses: a: CRS 14 h after C1D1; b: CRS 20 h after C1D1 and again 3 h after C1D8; c: none after C1D1, C1D8 a week later.
        var report = Compute(
            [C1("a", 0, 1), C1("a", 168, 8), C1("b", 24, 1), C1("b", 192, 8), C1("c", 48, 1), C1("c", 216, 8)],
            [Crs("a", 14), Crs("b", 44), Crs("b", 195)],
            "tarlatamab");
        var step = report.Drugs.Single().Doses.Single();
        Assert.That((step.StepUpIndex, step.N, step.Crs.Events, step.Crs.Censored, step.Crs.MedianOnsetHours), Is.EqualTo((1, 3, 2, 1, (decimal?)17m)));
        Assert.That(step.Crs.Points.Select(p => p.Hours), Is.EqualTo(new[] { 0m, 14m, 20m }));
        Assert.That(step.Crs.Points[2].Incidence, Is.EqualTo(2m / 3m).Within(0.000000000000000000001m));
        Assert.That(step.Crs.FollowUpHours, Is.EqualTo(168m), "c is censored at its C1D8, 168 h after C1D1");
        Assert.That((step.Icans.Events, step.Icans.Censored, step.Icans.MedianOnsetHours), Is.EqualTo((0, 3, (decimal?)null)));
        Assert.That(step.For(Scale.Crs), Is.SameAs(step.Crs));
    }

    [Test]
    public void DosesWithoutAProtocol_OrOfACycleDayTheFileDoesNotHave_AreLeftOut()
    {
        var report = Compute([C1("a", 0, 1, protocol: null), C1("b", 0, 2), new("c", "tarlatamab", T0, Tarlatamab, null, null), C1("d", 0, 1, "removed-2024")], [], "tarlatamab");
        Assert.That(report.Drugs.Single().Doses.Single().N, Is.Zero);
    }

    [Test]
    public void TwoStepUpDoses_AreTwoEntries_EachWithItsOwnDoses()
    {
        SiteDose Teclistamab(string patient, double hours, int day) => new(patient, "teclistamab", T0.AddHours(hours), "teclistamab-us-2025-11", 1, day);
        var report = Compute(
            [Teclistamab("a", 0, 1), Teclistamab("a", 72, 4), Teclistamab("a", 144, 7)],
            [Crs("a", 30), Crs("a", 80), new("a", Scale.Icans, T0.AddHours(150))],
            "teclistamab");
        var doses = report.Drugs.Single().Doses;
        Assert.That(doses.Select(d => (d.StepUpIndex, d.N, d.Crs.Events, d.Crs.MedianOnsetHours)), Is.EqualTo(new[] { (1, 1, 1, (decimal?)30m), (2, 1, 1, (decimal?)8m) }));
        Assert.That(doses.Select(d => d.Icans.Events), Is.EqualTo(new[] { 0, 0 }), "the ICANS onset followed the treatment dose (D7), which is left out");
        Assert.That(doses.Select(d => d.Icans.FollowUpHours), Is.EqualTo(new[] { 72m, 72m }));
    }

    [Test]
    public void DosesGivenUnderAnEarlierVersion_ArePooledByStepUpIndex_LabelledByTheVersionInForce()
    {
        folder.AddVersion(ProtocolFolder.Tarlatamab, "tarlatamab-us-2026-01", p =>
        {
            p["version"] = "2026-01";
            p["effectiveFrom"] = "2026-01-20";
            p["doses"]![0]!["amount"] = 2;
        });
        var report = Compute(
            [C1("a", 0, 1), new("b", "tarlatamab", T0.AddDays(16), "tarlatamab-us-2026-01", 1, 1)],
            [Crs("a", 13), new("b", Scale.Crs, T0.AddDays(16).AddHours(15))],
            "tarlatamab");
        var drug = report.Drugs.Single();
        Assert.That(drug.ProtocolId, Is.EqualTo("tarlatamab-us-2026-01"));
        Assert.That(drug.Doses.Single().Label, Is.EqualTo("step-up dose 1 (C1 D1, 2 mg)"));
        Assert.That((drug.Doses.Single().N, drug.Doses.Single().Crs.MedianOnsetHours), Is.EqualTo((2, (decimal?)14m)));
    }

    [Test]
    public void BeforeTheFirstVersion_TheFirstVersionIsShown()
    {
        var report = SiteIncidence.Compute(folder.Catalog(), [], [], Now, new DateOnly(2025, 1, 1), 360, "tarlatamab");
        Assert.That(report.Drugs.Single().ProtocolId, Is.EqualTo(Tarlatamab));
    }

    [Test]
    public void TheHorizon_CensorsDosesWithoutANextDose()
    {
        var report = SiteIncidence.Compute(folder.Catalog(), [C1("a", 0, 1)], [Crs("a", 50)], Now, Today, 48, "tarlatamab");
        var crs = report.Drugs.Single().Doses.Single().Crs;
        Assert.That((crs.Events, crs.Censored, crs.FollowUpHours), Is.EqualTo((0, 1, 48m)));
        Assert.That(report.HorizonHours, Is.EqualTo(48));
    }

    [Test]
    public void Drugs_AreThoseWithAProtocolFile() =>
        Assert.That(SiteIncidence.Drugs(folder.Catalog()), Is.EqualTo(new[] { "elranatamab", "epcoritamab", "glofitamab", "tarlatamab", "teclistamab" }));

    [Test]
    public void Label_NamesCyclesAndEveryDay()
    {
        var dose = new ProtocolDose("x", new CycleRange(3, 4), [1, 15], 0.125m, "mg/kg", DoseRoute.Subcutaneous, null, 2, Basis.Label, "s");
        Assert.That(SiteIncidence.Label(dose), Is.EqualTo("step-up dose 2 (C3-C4 D1/D15, 0.125 mg/kg)"));
    }
}
