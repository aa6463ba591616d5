using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Research.Scores;

namespace CrsMonitor.Service.Tests.Research;

/// <summary>
/// EASIX (Luft et al. 2017) and m-EASIX (Pennisi et al. 2021) as pure code: exact decimal arithmetic; each input the
/// latest result at or before the instant and at most the allowed age before it (inclusive); a missing, stale or
/// censored input, or platelets 0, gives no score with the reason naming the input; never a guessed value.
/// </summary>
public sealed class ScoreCalculatorTests
{
    private static readonly DateTimeOffset Dose = new(2025, 3, 3, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lookback = TimeSpan.FromHours(72);
    private static readonly TimeSpan MaxAge = TimeSpan.FromHours(24);
    private const string BeforeTheDose = "72 h before the dose";
    private static int sources;

    private static Reading Lab(string analyte, DateTimeOffset at, decimal? value, string? original = null, string? id = null) => new()
    {
        PatientId = "p1",
        Kind = ReadingKind.Lab,
        Code = analyte,
        EffectiveAt = at,
        Value = value,
        OriginalValue = original ?? $"{value} unit",
        Source = new ReadingSource("Observation", id ?? $"lab-{Interlocked.Increment(ref sources):D4}", 1),
    };

    private static LabHistory History(params Reading[] readings) => new(readings);

    private static ScoreResult Easix(LabHistory labs, DateTimeOffset? at = null) =>
        ScoreCalculator.At(ResearchScores.Easix, labs, at ?? Dose, Lookback, BeforeTheDose);

    private static LabHistory Typical(DateTimeOffset at, decimal ldh = 250m, decimal creatinine = 1.2m, decimal platelets = 150m, decimal crp = 30m) => History(
        Lab(LabAnalytes.Ldh, at, ldh), Lab(LabAnalytes.Creatinine, at, creatinine), Lab(LabAnalytes.Platelets, at, platelets), Lab(LabAnalytes.Crp, at, crp));

    [TestCase(250, 1.2, 150, 2)]
    [TestCase(300, 0.9, 120, 2.25)]
    [TestCase(612, 0.87, 48, 11.0925)]
    public void Easix_IsLdhTimesCreatinineDividedByPlatelets_Exactly(decimal ldh, decimal creatinine, decimal platelets, decimal expected)
    {
        var result = Easix(Typical(Dose.AddHours(-6), ldh, creatinine, platelets));
        Assert.That(result.Value, Is.EqualTo(expected));
        Assert.That(result.Reason, Is.Null);
    }

    [Test]
    public void Easix_ARepeatingQuotient_IsTheDecimalQuotient_NotAFloat() =>
        Assert.That(Easix(Typical(Dose.AddHours(-1), 100m, 1m, 3m)).Value, Is.EqualTo(100m / 3m).And.EqualTo(33.333333333333333333333333333m));

    [Test]
    public void ModifiedEasix_TakesCrpInMgPerDecilitre_TheStoredMgPerLitreDividedBy10()
    {
        var result = ScoreCalculator.At(ResearchScores.ModifiedEasix, Typical(Dose.AddHours(-2), ldh: 250m, platelets: 150m, crp: 30m), Dose, Lookback, BeforeTheDose);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Value, Is.EqualTo(5m), "250 × 3 mg/dL ÷ 150");
            Assert.That(result.Inputs.Single(i => i.Key == LabAnalytes.Crp), Is.EqualTo(new ScoreInput(LabAnalytes.Crp, 3m, "mg/dL", Dose.AddHours(-2))));
        }
    }

    [Test]
    public void Inputs_AreTheValuesUsed_WithUnitAndSpecimenTime()
    {
        var labs = History(
            Lab(LabAnalytes.Ldh, Dose.AddHours(-30), 250m), Lab(LabAnalytes.Creatinine, Dose.AddHours(-5), 1.2m), Lab(LabAnalytes.Platelets, Dose.AddHours(-1), 150m));
        Assert.That(Easix(labs).Inputs, Is.EqualTo(new[]
        {
            new ScoreInput(LabAnalytes.Ldh, 250m, "U/L", Dose.AddHours(-30)),
            new ScoreInput(LabAnalytes.Creatinine, 1.2m, "mg/dL", Dose.AddHours(-5)),
            new ScoreInput(LabAnalytes.Platelets, 150m, "10*9/L", Dose.AddHours(-1)),
        }));
    }

    [Test]
    public void MissingPlatelets_NoScore_TheReasonNamesThem_TheOtherInputsStillShown()
    {
        var result = Easix(History(Lab(LabAnalytes.Ldh, Dose.AddHours(-3), 250m), Lab(LabAnalytes.Creatinine, Dose.AddHours(-3), 1.2m)));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Value, Is.Null);
            Assert.That(result.Reason, Is.EqualTo("no platelets within 72 h before the dose"));
            Assert.That(result.Inputs.Select(i => i.Key), Is.EqualTo(new[] { LabAnalytes.Ldh, LabAnalytes.Creatinine }));
        }
    }

    [Test]
    public void EveryMissingInput_IsNamed()
    {
        var result = Easix(History(Lab(LabAnalytes.Crp, Dose.AddHours(-3), 30m)));
        Assert.That(result.Value, Is.Null);
        Assert.That(result.Reason, Is.EqualTo("no LDH within 72 h before the dose; no creatinine within 72 h before the dose; no platelets within 72 h before the dose"));
    }

    [Test]
    public void AnInputExactly72hBeforeTheDose_Counts_OneTickOlder_IsStale()
    {
        var onTheEdge = Easix(History(
            Lab(LabAnalytes.Ldh, Dose - Lookback, 250m), Lab(LabAnalytes.Creatinine, Dose, 1.2m), Lab(LabAnalytes.Platelets, Dose, 150m)));
        var stale = Easix(History(
            Lab(LabAnalytes.Ldh, Dose - Lookback - TimeSpan.FromTicks(10), 250m, "250 U/L"), Lab(LabAnalytes.Creatinine, Dose, 1.2m), Lab(LabAnalytes.Platelets, Dose, 150m)));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(onTheEdge.Value, Is.EqualTo(2m));
            Assert.That(stale.Value, Is.Null);
            Assert.That(stale.Reason, Is.EqualTo("no LDH within 72 h before the dose (the last, 250 U/L, was taken at 2025-02-28T09:59:59.999999Z)"));
        }
    }

    [Test]
    public void AResultTakenAfterTheInstant_IsNotAnInput()
    {
        var result = Easix(History(
            Lab(LabAnalytes.Ldh, Dose.AddHours(-1), 250m), Lab(LabAnalytes.Creatinine, Dose.AddHours(-1), 1.2m), Lab(LabAnalytes.Platelets, Dose.AddMinutes(1), 150m)));
        Assert.That(result.Value, Is.Null);
        Assert.That(result.Reason, Is.EqualTo("no platelets within 72 h before the dose"));
    }

    [Test]
    public void CensoredPlatelets_NoScore_EvenWithAnOlderCountedValue_TheLatestIsABound()
    {
        var result = Easix(History(
            Lab(LabAnalytes.Ldh, Dose.AddHours(-1), 250m), Lab(LabAnalytes.Creatinine, Dose.AddHours(-1), 1.2m),
            Lab(LabAnalytes.Platelets, Dose.AddHours(-20), 150m), Lab(LabAnalytes.Platelets, Dose.AddHours(-2), null, "<5 10*3/uL")));
        Assert.That(result.Value, Is.Null);
        Assert.That(result.Reason, Is.EqualTo("platelets <5 10*3/uL at 2025-03-03T08:00Z is censored (a bound, not a value)"));
    }

    [Test]
    public void CensoredLdh_IsNamedToo()
    {
        var result = Easix(History(
            Lab(LabAnalytes.Ldh, Dose.AddHours(-1), null, ">10000 U/L"), Lab(LabAnalytes.Creatinine, Dose.AddHours(-1), 1.2m), Lab(LabAnalytes.Platelets, Dose.AddHours(-1), 100m)));
        Assert.That(result.Reason, Is.EqualTo("LDH >10000 U/L at 2025-03-03T09:00Z is censored (a bound, not a value)"));
    }

    [Test]
    public void PlateletsZero_NoScore_SayingTheScoreDividesByThem()
    {
        var easix = Easix(Typical(Dose.AddHours(-1), platelets: 0m));
        var modified = ScoreCalculator.At(ResearchScores.ModifiedEasix, Typical(Dose.AddHours(-1), platelets: 0m), Dose, Lookback, BeforeTheDose);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(easix.Value, Is.Null);
            Assert.That(easix.Reason, Is.EqualTo("platelets 0 unit at 2025-03-03T09:00Z is 0, and EASIX divides by it"));
            Assert.That(modified.Reason, Does.EndWith("is 0, and m-EASIX divides by it"));
        }
    }

    [Test]
    public void TheLatestOfEachInput_IsTaken()
    {
        var labs = History(
            Lab(LabAnalytes.Ldh, Dose.AddHours(-40), 999m), Lab(LabAnalytes.Ldh, Dose.AddHours(-4), 250m),
            Lab(LabAnalytes.Creatinine, Dose.AddHours(-4), 1.2m), Lab(LabAnalytes.Platelets, Dose.AddHours(-4), 150m));
        Assert.That(Easix(labs).Value, Is.EqualTo(2m));
    }

    [Test]
    public void TwoResultsAtOneInstant_TheChoiceDoesNotDependOnTheOrderTheyWereRead()
    {
        var a = Lab(LabAnalytes.Platelets, Dose.AddHours(-1), 100m, id: "plt-a");
        var b = Lab(LabAnalytes.Platelets, Dose.AddHours(-1), 150m, id: "plt-b");
        var ldh = Lab(LabAnalytes.Ldh, Dose.AddHours(-1), 300m);
        var creatinine = Lab(LabAnalytes.Creatinine, Dose.AddHours(-1), 1m);
        Assert.That(Easix(History(a, b, ldh, creatinine)).Value, Is.EqualTo(Easix(History(b, ldh, creatinine, a)).Value).And.EqualTo(2m));
    }

    [Test]
    public void PreDose_OneScorePerDose_EachFromItsOwnWindow()
    {
        var second = Dose.AddDays(7);
        var labs = Typical(Dose.AddHours(-12));
        var scores = ScoreCalculator.PreDose(ResearchScores.Easix, labs, [new ScoreDose("d2", "tarlatamab", second), new ScoreDose("d1", "tarlatamab", Dose)], Lookback);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(scores.Select(s => s.Dose.Id), Is.EqualTo(new[] { "d1", "d2" }), "in dose order");
            Assert.That(scores[0].Result.Value, Is.EqualTo(2m));
            Assert.That(scores[1].Result.Value, Is.Null, "the labs are 7 days older than the second dose");
            Assert.That(scores[1].Result.Reason, Does.StartWith("no LDH within 72 h before the dose (the last,"));
        }
    }

    [Test]
    public void Series_OnePointPerInstantAnInputChanged_WhereAllArePresentAndFresh()
    {
        var t0 = Dose.AddHours(2);
        var labs = History(
            Lab(LabAnalytes.Ldh, t0, 250m), Lab(LabAnalytes.Creatinine, t0, 1.2m), Lab(LabAnalytes.Platelets, t0, 150m),
            Lab(LabAnalytes.Ferritin, t0.AddHours(3), 50000m), // not an input of EASIX: not an instant
            Lab(LabAnalytes.Platelets, t0.AddHours(6), 100m),
            Lab(LabAnalytes.Ldh, t0.AddHours(24), 300m), // platelets still fresh (18 h), creatinine exactly 24 h old: counts
            Lab(LabAnalytes.Ldh, t0.AddHours(30), 310m)); // creatinine 30 h old: no score, no point
        var series = ScoreCalculator.Series(ResearchScores.Easix, labs, MaxAge);
        Assert.That(series.Select(p => (p.At, p.Value)), Is.EqualTo(new[]
        {
            (t0, 2m),
            (t0.AddHours(6), 3m),
            (t0.AddHours(24), 3.6m),
        }));
        Assert.That(series[2].Inputs.Select(i => i.At), Is.EqualTo(new[] { t0.AddHours(24), t0, t0.AddHours(6) }));
    }

    [Test]
    public void Series_NoLabs_NoPoints_AndPreDose_NoDoses_NoScores()
    {
        Assert.That(ScoreCalculator.Series(ResearchScores.ModifiedEasix, History(), MaxAge), Is.Empty);
        Assert.That(ScoreCalculator.PreDose(ResearchScores.ModifiedEasix, History(), [], Lookback), Is.Empty);
    }

    [Test]
    public void TheScores_AreLabelledAsResearch_WithTheirFormula()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ResearchScores.Notice, Is.EqualTo("research score, not validated for this drug; not for treatment decisions"));
            Assert.That(ResearchScores.All.Select(s => s.Key), Is.EqualTo(new[] { "easix", "m-easix" }));
            Assert.That(ResearchScores.Easix.Formula, Is.EqualTo("EASIX = LDH (U/L) × creatinine (mg/dL) ÷ platelets (10^9/L)"));
            Assert.That(ResearchScores.ModifiedEasix.Formula, Does.Contain("CRP (mg/dL"));
        }
    }
}
