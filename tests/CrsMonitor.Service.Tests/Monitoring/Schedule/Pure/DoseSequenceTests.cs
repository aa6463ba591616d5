using System.Globalization;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Tests.Monitoring.Protocols;

namespace CrsMonitor.Service.Tests.Monitoring.Schedule.Pure;

/// <summary>
/// <see cref="DoseSequence"/> with the shipped protocols: the order of the places (cycle, then day) and the place of
/// each recorded dose: one after the previous dose's place, unless a physician fixed it.
/// </summary>
public sealed class DoseSequenceTests
{
    private static readonly DateOnly Date = new(2026, 1, 15);
    private static readonly DateTimeOffset FirstDose = new(2026, 1, 15, 9, 0, 0, TimeSpan.Zero);

    private ProtocolCatalog catalog = null!;

    private Protocol Tarlatamab => Of("tarlatamab");

    [OneTimeSetUp]
    public void LoadShipped() => catalog = new ProtocolCatalog(ProtocolLoader.Load(ProtocolLoader.DefaultDirectory, ProtocolFolder.DrugData), "US");

    [Test]
    public void Places_Tarlatamab_StepUpThenEveryTwoWeeks_CycleThenDay() =>
        Assert.That(Text(DoseSequence.Places(Tarlatamab).Take(12)),
            Is.EqualTo("C1D1 C1D8 C1D15 C2D1 C2D15 C3D1 C3D15 C4D1 C4D15 C5D1 C5D15 C6D1"));

    [Test]
    public void Places_Tarlatamab_OpenEndedFromC5_Counted3InC1Then2ACycle_The1000thIsC500D1()
    {
        var places = DoseSequence.Places(Tarlatamab).ToList();

        Assert.That(places, Has.Count.GreaterThanOrEqualTo(1000));
        Assert.That(places[999], Is.EqualTo(new DosePlace(500, 1)), "3 places in C1, then 2 a cycle: the 1000th is C500D1");
        Assert.That(places.Distinct().Count(), Is.EqualTo(places.Count));
    }

    [Test]
    public void Places_OpenEndedProtocol_AtMostMaxPlaces()
    {
        var places = DoseSequence.Places(Tarlatamab).ToList();

        Assert.That(DoseSequence.MaxPlaces, Is.EqualTo(1000));
        Assert.That(places, Has.Count.EqualTo(DoseSequence.MaxPlaces));
        Assert.That(places[^1], Is.EqualTo(new DosePlace(500, 1)));
    }

    [TestCase("teclistamab", "C1D1 C1D4 C1D7")]
    [TestCase("elranatamab", "C1D1 C1D4 C1D8")]
    [TestCase("epcoritamab", "C1D1 C1D8 C1D15")]
    [TestCase("glofitamab", "C1D8 C1D15 C2D1")]
    public void Places_OtherDrugs_TheStepUpOrderOfTheirFile_AndNothingAfterTheLastDose(string drug, string expected) =>
        Assert.That(Text(DoseSequence.Places(Of(drug))), Is.EqualTo(expected));

    [Test]
    public void Places_ToString_IsCycleAndDay() => Assert.That(new DosePlace(2, 15).ToString(), Is.EqualTo("C2D15"));

    /// <summary>
    /// Doses in start order: <c>h</c> a dose placed from the history, <c>dr:C2D1</c> a dose a physician placed at C2D1.
    /// Expected places, <c>-</c> for none.
    /// </summary>
    [TestCase("tarlatamab", "h h h h h", "C1D1 C1D8 C1D15 C2D1 C2D15", TestName = "Assign_Tarlatamab_HistoryOnly_ConsecutivePlaces")]
    [TestCase("tarlatamab", "h h dr:C1D1 h h", "C1D1 C1D8 C1D1 C1D8 C1D15", TestName = "Assign_Tarlatamab_PhysicianRestartAtC1D1AfterADelay_NextHistoryDoseIsC1D8")]
    [TestCase("tarlatamab", "dr:C2D1 h h", "C2D1 C2D15 C3D1", TestName = "Assign_Tarlatamab_FirstDosePhysicianFixedAtC2D1_NextIsC2D15")]
    [TestCase("tarlatamab", "h dr:C2D1 h", "C1D1 C2D1 C2D15", TestName = "Assign_Tarlatamab_PhysicianPlaceAheadOfTheHistory_CountingGoesOnFromIt")]
    [TestCase("tarlatamab", "h dr:C1D2 h h", "C1D1 C1D2 - -", TestName = "Assign_Tarlatamab_PhysicianPlaceNotInTheProtocol_KeptAsGiven_LaterHistoryDosesHaveNoPlace")]
    [TestCase("tarlatamab", "dr:C1D3 h", "C1D3 -", TestName = "Assign_Tarlatamab_FirstDoseAtAPlaceNotInTheProtocol_NextHasNoPlace")]
    [TestCase("tarlatamab", "h dr:C1D2 h dr:C2D1 h", "C1D1 C1D2 - C2D1 C2D15", TestName = "Assign_Tarlatamab_AfterAnUnknownPlace_APhysicianPlaceInTheProtocolResumesCounting")]
    [TestCase("teclistamab", "h h h", "C1D1 C1D4 C1D7", TestName = "Assign_Teclistamab_HistoryOnly_StepUpOrder")]
    [TestCase("teclistamab", "h h h h h", "C1D1 C1D4 C1D7 - -", TestName = "Assign_Teclistamab_AfterTheLastPlaceOfTheFile_NoPlace")]
    [TestCase("teclistamab", "h h dr:C1D1 h h", "C1D1 C1D4 C1D1 C1D4 C1D7", TestName = "Assign_Teclistamab_PhysicianRestart_StepUpAgain")]
    [TestCase("elranatamab", "h h h", "C1D1 C1D4 C1D8", TestName = "Assign_Elranatamab_HistoryOnly_StepUpOrder")]
    [TestCase("elranatamab", "h h h h", "C1D1 C1D4 C1D8 -", TestName = "Assign_Elranatamab_AfterTheLastPlaceOfTheFile_NoPlace")]
    public void Assign_Places(string drug, string doses, string expected)
    {
        var sequenced = doses.Split(' ').Select((d, i) => new SequencedDose(
            $"dose-{i}", FirstDose.AddDays(7 * i), d.StartsWith("dr:", StringComparison.Ordinal) ? Place(d[3..]) : null)).ToList();

        var places = DoseSequence.Assign(Of(drug), sequenced);

        Assert.That(string.Join(' ', places.Select(p => p?.ToString() ?? "-")), Is.EqualTo(expected));
    }

    [Test]
    public void Assign_NoDoses_NoPlaces() => Assert.That(DoseSequence.Assign(Tarlatamab, []), Is.Empty);

    private Protocol Of(string drug) => catalog.ApplicableTo(drug, Date) ?? throw new AssertionException($"no shipped protocol for {drug}");

    private static string Text(IEnumerable<DosePlace> places) => string.Join(' ', places);

    private static DosePlace Place(string text)
    {
        var parts = text.TrimStart('C').Split('D');
        return new DosePlace(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
