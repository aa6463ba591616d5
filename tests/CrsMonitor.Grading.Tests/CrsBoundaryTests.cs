using CrsMonitor.Grading.Crs;
using NUnit.Framework;
using static CrsMonitor.Grading.Crs.VasoactiveAgent;
using static CrsMonitor.Grading.Tests.Given;

namespace CrsMonitor.Grading.Tests;

/// <summary>
/// Every CRS boundary of grading-rules.md section 1, on both sides. Each case changes one thing from
/// <see cref="Given.Febrile"/> (38.4 °C, SBP 120, room air: grade 1) or <see cref="Given.AfebrileNormal"/>
/// (36.8 °C, SBP 120, room air: grade 0).
/// </summary>
[TestFixture]
public sealed class CrsBoundaryTests
{
    private static TestCaseData Case(string name, CrsInput input, Expected expected) =>
        new TestCaseData(input, expected).SetName(name);

    [TestCaseSource(nameof(FeverBoundaries))]
    [TestCaseSource(nameof(OxygenBoundaries))]
    [TestCaseSource(nameof(HypotensionBoundaries))]
    [TestCaseSource(nameof(VasopressorCounting))]
    [TestCaseSource(nameof(GateMaskAndPremedication))]
    [TestCaseSource(nameof(Attribution))]
    public void Crs(CrsInput input, Expected expected) => GradeAssert.Matches(Grade(input), expected);

    // CRS-FEVER: >= 38.0 °C (= 100.4 °F), exact decimal conversion, never rounded before comparing.
    private static IEnumerable<TestCaseData> FeverBoundaries()
    {
        TestCaseData Fever(string name, Temperature t, bool fever) =>
            Case(name, Febrile() with { Temperature = t },
                fever ? Expected.Graded(1, "CRS-FEVER", "CRS-MAX").WithDomain("fever", 1)
                      : Expected.Graded(0, "CRS-FEVER", "CRS-GATE").WithDomain("fever", 0));

        yield return Fever("Crs_37Point9CelsiusIsNotFever_Grade0", Celsius(37.9m), false);
        yield return Fever("Crs_37Point99CelsiusIsNotFever_Grade0", Celsius(37.99m), false);
        yield return Fever("Crs_38Point0CelsiusIsFever_Grade1", Celsius(38.0m), true);
        yield return Fever("Crs_38CelsiusWithoutDecimalsIsFever_Grade1", Celsius(38m), true);
        yield return Fever("Crs_100Point3FahrenheitIsNotFever_Grade0", Fahrenheit(100.3m), false);
        yield return Fever("Crs_100Point39FahrenheitIsNotFever_Grade0", Fahrenheit(100.39m), false);
        yield return Fever("Crs_100Point399FahrenheitIsNotFever_NoRounding_Grade0", Fahrenheit(100.399m), false);
        yield return Fever("Crs_100Point4FahrenheitIsFever_Grade1", Fahrenheit(100.4m), true);
        yield return Fever("Crs_100Point400FahrenheitIsFever_TrailingZerosDoNotMatter_Grade1", Fahrenheit(100.400m), true);
        yield return Fever("Crs_100Point401FahrenheitIsFever_Grade1", Fahrenheit(100.401m), true);
    }

    [TestCase(100.3, false)]
    [TestCase(100.39, false)]
    [TestCase(100.399, false)]
    [TestCase(100.3999999, false)]
    [TestCase(100.4, true)]
    [TestCase(100.4000001, true)]
    public void Crs_FahrenheitFeverThresholdIsExactly100Point4(decimal fahrenheit, bool fever) =>
        Assert.That(Fahrenheit(fahrenheit).IsFever, Is.EqualTo(fever));

    [TestCase(37.9, false)]
    [TestCase(37.9999999, false)]
    [TestCase(38.0, true)]
    public void Crs_CelsiusFeverThresholdIsExactly38(decimal celsius, bool fever) =>
        Assert.That(Celsius(celsius).IsFever, Is.EqualTo(fever));

    // CRS-O2.
    private static IEnumerable<TestCaseData> OxygenBoundaries()
    {
        TestCaseData O2(string name, OxygenSupport o, int axis, params string[] flags) =>
            Case(name, Febrile() with { Oxygen = o },
                Expected.Graded(Math.Max(1, axis), "CRS-O2").WithFlags(flags).WithDomain("hypoxia", axis));

        yield return O2("Crs_RoomAirIsNoHypoxia_Grade1", RoomAir, 0);
        yield return O2("Crs_NasalCannulaAt1LitreIsLowFlow_Grade2", Cannula(1m), 2);
        yield return O2("Crs_NasalCannulaAt6LitresIsLowFlow_Grade2", Cannula(6m), 2);
        yield return O2("Crs_NasalCannulaAt6Point0LitresIsLowFlow_Grade2", Cannula(6.0m), 2);
        yield return O2("Crs_NasalCannulaAt6Point01LitresIsHighFlow_NoRounding_Grade3", Cannula(6.01m), 3);
        yield return O2("Crs_NasalCannulaAt6Point1LitresIsHighFlow_Grade3", Cannula(6.1m), 3);
        yield return O2("Crs_NasalCannulaAt15LitresIsHighFlow_Grade3", Cannula(15m), 3);
        yield return O2("Crs_BlowByIsLowFlow_Grade2", Device(OxygenDevice.BlowBy), 2);
        yield return O2("Crs_HighFlowDeviceAt6LitresIsLowFlow_Grade2_FlagHfncLowFlow", HighFlow(6.0m), 2, GradeFlags.HfncLowFlow);
        yield return O2("Crs_HighFlowDeviceAt2LitresIsLowFlow_Grade2_FlagHfncLowFlow", HighFlow(2m), 2, GradeFlags.HfncLowFlow);
        yield return O2("Crs_HighFlowDeviceAt6Point1Litres_Grade3_NoHfncLowFlowFlag", HighFlow(6.1m), 3);
        yield return O2("Crs_HighFlowDeviceAt60Litres_Grade3", HighFlow(60m), 3);
        yield return O2("Crs_SimpleFacemaskAt1LitreIsStillGrade3_AnyFlow", Device(OxygenDevice.SimpleFaceMask, 1m), 3);
        yield return O2("Crs_SimpleFacemaskWithoutFlow_Grade3", Device(OxygenDevice.SimpleFaceMask), 3);
        yield return O2("Crs_NonRebreatherAt6Litres_Grade3_AnyFlow", Device(OxygenDevice.NonRebreather, 6m), 3);
        yield return O2("Crs_VenturiMaskAt4Litres_Grade3_AnyFlow", Device(OxygenDevice.VenturiMask, 4m), 3);
        yield return O2("Crs_CpapIsPositivePressure_Grade4", Device(OxygenDevice.Cpap), 4);
        yield return O2("Crs_BipapIsPositivePressure_Grade4", Device(OxygenDevice.Bipap), 4);
        yield return O2("Crs_MechanicalVentilationIsPositivePressure_Grade4", Device(OxygenDevice.MechanicalVentilation), 4);

        // Missing flow is reported, never defaulted to room air: low flow (the least a cannula can be), flagged.
        yield return O2("Crs_NasalCannulaWithoutFlowIsAtLeastLowFlow_Grade2_FlagOxygenFlowMissing",
            Device(OxygenDevice.NasalCannula), 2, GradeFlags.OxygenFlowMissing);
    }

    // CRS-HYPO-DEF: SBP strictly below 90 (setting), or any fluid bolus or vasopressor given for low blood pressure.
    private static IEnumerable<TestCaseData> HypotensionBoundaries()
    {
        TestCaseData Sbp(string name, decimal sbp, int grade) =>
            Case(name, Febrile() with { SystolicBpMmHg = sbp },
                Expected.Graded(grade, "CRS-HYPO-DEF").WithDomain("hypotension", grade == 2 ? 2 : 0));

        yield return Sbp("Crs_Sbp89IsHypotension_Grade2", 89m, 2);
        yield return Sbp("Crs_Sbp89Point9IsHypotension_NoRounding_Grade2", 89.9m, 2);
        yield return Sbp("Crs_Sbp90IsNotHypotension_Grade1", 90m, 1);
        yield return Sbp("Crs_Sbp90Point0IsNotHypotension_Grade1", 90.0m, 1);
        yield return Sbp("Crs_Sbp95IsNotHypotensionByDefault_Grade1", 95m, 1);
        yield return Case("Crs_FluidBolusForLowBloodPressureIsHypotensionEvenWithSbp95_Grade2",
            Febrile() with { SystolicBpMmHg = 95m, FluidBolusForHypotension = true },
            Expected.Graded(2, "CRS-HYPO-DEF").WithDomain("hypotension", 2));
        // CRS-VASO (added): an infusion whose recorded end is at or before the assessment is not running and counts for nothing.
        yield return Case("Crs_VasopressorStoppedBeforeTheAssessment_NotRunning_SbpNormal_Grade1",
            Febrile() with { SystolicBpMmHg = 95m, Vasoactives = [new(Norepinephrine, At(6), At(9))], AssessedAt = At(10, 30) },
            Expected.Graded(1, "CRS-HYPO-DEF").WithDomain("hypotension", 0));
    }

    [TestCase(95, 100, 2)]
    [TestCase(99.9, 100, 2)]
    [TestCase(100, 100, 1)]
    [TestCase(95, 90, 1)]
    [TestCase(85, 80, 1)]
    [TestCase(79, 80, 2)]
    public void Crs_HypotensionThresholdIsTheSetting(decimal sbp, decimal threshold, int grade)
    {
        var settings = GradingSettings.Default with { HypotensionSystolicBelowMmHg = threshold };
        Assert.That(Grade(Febrile() with { SystolicBpMmHg = sbp }, settings).Grade, Is.EqualTo(grade));
    }

    // CRS-VASO: distinct agents running together at the assessment instant (10:30); vasopressin and inotropes
    // never counted. "From hh:mm" means running with no end.
    private static IEnumerable<TestCaseData> VasopressorCounting()
    {
        TestCaseData Vaso(string name, int axis, VasoactiveInfusion[] infusions, params string[] flags) =>
            Case(name, Febrile() with { Vasoactives = infusions, AssessedAt = At(10, 30) },
                Expected.Graded(Math.Max(1, axis), "CRS-VASO").WithFlags(flags).WithDomain("hypotension", axis));

        VasoactiveInfusion From(VasoactiveAgent a, int h, int m = 0) => new(a, At(h, m));

        yield return Vaso("Crs_TwoVasopressorsOverlappingAtTheAssessment_Grade4", 4,
            [From(Norepinephrine, 8), From(Phenylephrine, 9)]);
        yield return Vaso("Crs_SwitchStopThenStartIsOneAgent_Grade3", 3,
            [new(Norepinephrine, At(8), At(10)), From(Phenylephrine, 10, 5)]);
        yield return Vaso("Crs_TwoAgentsOverlappedEarlierButOneStoppedBeforeTheAssessment_Grade3", 3,
            [new(Norepinephrine, At(8), At(10)), From(Phenylephrine, 9, 30)]);
        yield return Vaso("Crs_AgentStartingAfterTheAssessmentIsNotCounted_Grade3", 3,
            [From(Norepinephrine, 8), From(Phenylephrine, 11)]);
        yield return Case("Crs_OnlyAgentStartsAfterTheAssessment_NothingGivenYet_Grade1",
            Febrile() with { Vasoactives = [From(Norepinephrine, 11)], AssessedAt = At(10, 30) },
            Expected.Graded(1, "CRS-MAX").WithDomain("hypotension", 0));
        yield return Vaso("Crs_SameAgentOnTwoLinesIsOneAgent_Grade3", 3,
            [From(Norepinephrine, 8), From(Norepinephrine, 9)]);
        yield return Vaso("Crs_VasopressinPlusNorepinephrine_Grade3_NoMonotherapyFlag", 3,
            [From(Vasopressin, 8), From(Norepinephrine, 9)]);
        yield return Vaso("Crs_VasopressinAlone_Grade3_FlagVasopressinMonotherapy", 3,
            [From(Vasopressin, 8)], GradeFlags.VasopressinMonotherapy);
        yield return Vaso("Crs_VasopressinPlusDobutamine_IsStillVasopressinMonotherapy_Grade3", 3,
            [From(Vasopressin, 8), From(Dobutamine, 9)], GradeFlags.VasopressinMonotherapy);
        yield return Vaso("Crs_NorepinephrinePlusEpinephrinePlusVasopressin_Grade4", 4,
            [From(Norepinephrine, 8), From(Epinephrine, 9), From(Vasopressin, 9)]);
        yield return Vaso("Crs_DobutamineIsAnInotropeNotAVasopressor_Grade1", 0, [From(Dobutamine, 8)]);
        yield return Vaso("Crs_MilrinoneIsAnInotropeNotAVasopressor_Grade1", 0, [From(Milrinone, 8)]);
        yield return Vaso("Crs_DobutaminePlusMilrinoneAreNeverCounted_Grade1", 0, [From(Dobutamine, 8), From(Milrinone, 8)]);
        yield return Vaso("Crs_NorepinephrinePlusDobutamineIsOneVasopressor_Grade3", 3, [From(Norepinephrine, 8), From(Dobutamine, 8)]);
        yield return Vaso("Crs_NorepinephrinePlusDobutaminePlusMilrinoneIsOneVasopressor_Grade3", 3,
            [From(Norepinephrine, 8), From(Dobutamine, 8), From(Milrinone, 8)]);
        yield return Vaso("Crs_AngiotensinIIAloneIsAVasopressor_Grade3", 3, [From(AngiotensinII, 8)]);
        yield return Vaso("Crs_MetaraminolAloneIsAVasopressor_Grade3", 3, [From(Metaraminol, 8)]);
        yield return Vaso("Crs_DopamineAloneIsAVasopressor_Grade3", 3, [From(Dopamine, 8)]);
        yield return Vaso("Crs_EpinephrineAloneIsAVasopressor_Grade3", 3, [From(Epinephrine, 8)]);
        yield return Vaso("Crs_PhenylephrineAloneIsAVasopressor_Grade3", 3, [From(Phenylephrine, 8)]);
        yield return Vaso("Crs_AngiotensinIIPlusNorepinephrine_Grade4", 4, [From(AngiotensinII, 8), From(Norepinephrine, 8)]);
        yield return Vaso("Crs_MetaraminolPlusPhenylephrine_Grade4", 4, [From(Metaraminol, 8), From(Phenylephrine, 8)]);
        yield return Vaso("Crs_DopaminePlusEpinephrine_Grade4", 4, [From(Dopamine, 8), From(Epinephrine, 8)]);
        yield return Vaso("Crs_VasopressinPlusAngiotensinII_Grade3_NoMonotherapyFlag", 3, [From(Vasopressin, 8), From(AngiotensinII, 8)]);

        // Without an assessment instant, an infusion with an end is not running.
        yield return Case("Crs_NoAssessmentInstant_InfusionWithAnEndIsNotRunning_Grade3",
            Febrile() with { Vasoactives = [new(Norepinephrine, At(8), At(9)), Running(Phenylephrine)] },
            Expected.Graded(3, "CRS-VASO").WithDomain("hypotension", 3));
    }

    // CRS-GATE, CRS-MASK, CRS-PREMED, and a missing temperature.
    private static IEnumerable<TestCaseData> GateMaskAndPremedication()
    {
        yield return Case("Crs_EstablishedWithoutFeverTherapy_Afebrile_GateApplies_Grade0",
            AfebrileNormal() with { CrsEstablished = true },
            Expected.Graded(0, "CRS-GATE"));
        yield return Case("Crs_EstablishedWithoutFeverTherapy_AfebrileOnNorepinephrine_CrsAfebrile_NotGradable_SuspectedMaskedFever",
            AfebrileNormal() with { CrsEstablished = true, Vasoactives = [Running(Norepinephrine)] },
            Expected.NotGradable(NotGradableReasons.SuspectedMaskedFever, "CRS-AFEBRILE").WithFlags(GradeFlags.SuspectedMaskedFever, GradeFlags.ClinicianReview));
        yield return Case("Crs_FeverTherapyGivenButNoCrsEstablished_Afebrile_GateApplies_Grade0",
            AfebrileNormal() with { FeverTherapyGiven = true },
            Expected.Graded(0, "CRS-GATE"));
        yield return Case("Crs_FeverTherapyGivenButNoCrsEstablished_AfebrileOnFacemask_NoRecentDrugFlag_CrsAfebrile_Grade0_FlagAfebrileSupport",
            AfebrileNormal() with { FeverTherapyGiven = true, Oxygen = Device(OxygenDevice.SimpleFaceMask, 8m) },
            Expected.Graded(0, "CRS-AFEBRILE").WithFlags(GradeFlags.AfebrileSupport));
        yield return Case("Crs_Masked_AfebrileOnNasalCannula2_GradedOnAxes_Grade2",
            AfebrileNormal() with { CrsEstablished = true, FeverTherapyGiven = true, Oxygen = Cannula(2m) },
            Expected.Graded(2, "CRS-MASK"));
        yield return Case("Crs_MaskedButFebrile_GradedNormally_Grade1_NoFeverMaskedFlag",
            Febrile(38.5m) with { CrsEstablished = true, FeverTherapyGiven = true },
            Expected.Graded(1, "CRS-MAX"));
        yield return Case("Crs_Masked_TemperatureMissing_FeverNotRequired_GradedOnAxes_Grade3",
            new CrsInput { CrsEstablished = true, FeverTherapyGiven = true, Vasoactives = [Running(Norepinephrine)], Oxygen = RoomAir },
            Expected.Graded(3, "CRS-MASK"));

        yield return Case("Crs_PremedicationWithFever_GradedNormally_Grade2",
            Febrile(38.5m) with { SteroidPremedication = true, Oxygen = Cannula(2m) },
            Expected.Graded(2, "CRS-MAX"));
        yield return Case("Crs_PremedicationAfebrileNoHypotensionNoHypoxia_Grade0",
            AfebrileNormal() with { SteroidPremedication = true },
            Expected.Graded(0, "CRS-GATE"));
        yield return Case("Crs_PremedicationAfebrileOnLowFlowCannula_NotGradable_SuspectedMaskedFever",
            AfebrileNormal() with { SteroidPremedication = true, Oxygen = Cannula(3m) },
            Expected.NotGradable(NotGradableReasons.SuspectedMaskedFever, "CRS-PREMED")
                .WithFlags(GradeFlags.SuspectedMaskedFever, GradeFlags.ClinicianReview));
        yield return Case("Crs_PremedicationAfebrileOnNorepinephrine_NotGradable_SuspectedMaskedFever",
            AfebrileNormal() with { SteroidPremedication = true, Vasoactives = [Running(Norepinephrine)] },
            Expected.NotGradable(NotGradableReasons.SuspectedMaskedFever, "CRS-PREMED")
                .WithFlags(GradeFlags.SuspectedMaskedFever, GradeFlags.ClinicianReview));
        yield return Case("Crs_PremedicationAfebrileOnBipap_NotGradable_SuspectedMaskedFever",
            AfebrileNormal() with { SteroidPremedication = true, Oxygen = Device(OxygenDevice.Bipap) },
            Expected.NotGradable(NotGradableReasons.SuspectedMaskedFever, "CRS-PREMED")
                .WithFlags(GradeFlags.SuspectedMaskedFever, GradeFlags.ClinicianReview));
        yield return Case("Crs_PremedicationWithFeverAttributedElsewhereAndHypotension_NotMasked_Grade0",
            Febrile(38.9m) with { SteroidPremedication = true, FeverAttributedToOtherCause = true, SystolicBpMmHg = 84m },
            Expected.Graded(0, "CRS-GATE", "CRS-ATTRIB"));
        yield return Case("Crs_PremedicationAfterCrsEstablishedAndTreated_MaskingApplies_Grade2",
            AfebrileNormal() with { SteroidPremedication = true, CrsEstablished = true, FeverTherapyGiven = true, SystolicBpMmHg = 85m },
            Expected.Graded(2, "CRS-MASK"));

        yield return Case("Crs_TemperatureMissing_NotGradable_NeverGrade0_NoReviewFlagWithoutSupport",
            new CrsInput { SystolicBpMmHg = NormalSbp, Oxygen = RoomAir },
            Expected.NotGradable(NotGradableReasons.TemperatureMissing, "CRS-GATE"));
        yield return Case("Crs_TemperatureMissingOnCpap_NotGradable_NotGuessedFromTheAxes",
            new CrsInput { SystolicBpMmHg = NormalSbp, Oxygen = Device(OxygenDevice.Cpap) },
            Expected.NotGradable(NotGradableReasons.TemperatureMissing).WithFlags(GradeFlags.ClinicianReview));
    }

    // CRS-ATTRIB, CRS-ORGAN, CRS-SPO2, grade 5.
    private static IEnumerable<TestCaseData> Attribution()
    {
        yield return Case("Crs_HypotensionAttributedToAnotherCause_DoesNotCount_Grade1",
            Febrile() with { SystolicBpMmHg = 80m, FluidBolusForHypotension = true, HypotensionAttributedToOtherCause = true },
            Expected.Graded(1, "CRS-ATTRIB").WithDomain("hypotension", 0));
        yield return Case("Crs_HypoxiaAttributedToAnotherCause_DoesNotCount_Grade1",
            Febrile() with { Oxygen = Cannula(4m), HypoxiaAttributedToOtherCause = true },
            Expected.Graded(1, "CRS-ATTRIB").WithDomain("hypoxia", 0));
        yield return Case("Crs_FeverAttributedToAnotherCause_WithHypotension_Grade0",
            Febrile(39.2m) with { SystolicBpMmHg = 82m, FeverAttributedToOtherCause = true },
            Expected.Graded(0, "CRS-ATTRIB", "CRS-GATE"));
        yield return Case("Crs_HighFlowUnchangedFromBaseline_CountsAsNoHypoxia_Grade1",
            Febrile() with { Oxygen = new OxygenSupport(OxygenDevice.HighFlowNasalCannula, 30m, AtBaseline: true) },
            Expected.Graded(1, "CRS-ATTRIB").WithDomain("hypoxia", 0));
        yield return Case("Crs_HomeOxygenDeviceNotMarkedAtBaseline_Counts_Grade2",
            Febrile() with { Oxygen = new OxygenSupport(OxygenDevice.NasalCannula, 2m, AtBaseline: false) },
            Expected.Graded(2, "CRS-O2").WithDomain("hypoxia", 2));
        yield return Case("Crs_ComfortOxygenWithRoomAirSpo2Exactly94_CountsAsNoHypoxia_Grade1",
            Febrile() with { Oxygen = new OxygenSupport(OxygenDevice.NasalCannula, 2m, ForComfort: true, RoomAirSpo2Percent: 94m) },
            Expected.Graded(1, "CRS-ATTRIB").WithDomain("hypoxia", 0));
        yield return Case("Crs_ComfortOxygenWithRoomAirSpo293_Counts_Grade2_FlagComfortOxygenUnverified",
            Febrile() with { Oxygen = new OxygenSupport(OxygenDevice.NasalCannula, 2m, ForComfort: true, RoomAirSpo2Percent: 93m) },
            Expected.Graded(2, "CRS-O2").WithFlags(GradeFlags.ComfortOxygenUnverified).WithDomain("hypoxia", 2));
        yield return Case("Crs_ComfortOxygenWithoutRoomAirSpo2_Counts_Grade2",
            Febrile() with { Oxygen = new OxygenSupport(OxygenDevice.NasalCannula, 2m, ForComfort: true) },
            Expected.Graded(2, "CRS-O2").WithDomain("hypoxia", 2));

        yield return Case("Crs_OrganToxicityWithoutFever_DoesNotMakeCrs_Grade0",
            AfebrileNormal() with { OrganToxicities = ["creatinine increased grade 3"] },
            Expected.Graded(0, "CRS-ORGAN", "CRS-GATE"));
        yield return Case("Crs_OrganToxicityDoesNotRaiseTheGrade_Grade2",
            Febrile() with { Oxygen = Cannula(2m), OrganToxicities = ["transaminase increased grade 4"] },
            Expected.Graded(2, "CRS-ORGAN"));

        yield return Case("Crs_RoomAirSpo285_RaisesAlertButDoesNotInventAGrade_Grade1",
            Febrile() with { Oxygen = new OxygenSupport(OxygenDevice.RoomAir, RoomAirSpo2Percent: 85m) },
            Expected.Graded(1, "CRS-SPO2").WithFlags(GradeFlags.HypoxiaWithoutDocumentedSupport).WithDomain("hypoxia", 0));
        yield return Case("Crs_RoomAirSpo285WithoutFever_Grade0",
            AfebrileNormal() with { Oxygen = new OxygenSupport(OxygenDevice.RoomAir, RoomAirSpo2Percent: 85m) },
            Expected.Graded(0, "CRS-SPO2").WithFlags(GradeFlags.HypoxiaWithoutDocumentedSupport));

        yield return Case("Crs_DeathDueToCrsWithNormalFindings_Grade5",
            AfebrileNormal() with { DeathAttributedToCrs = true },
            Expected.Graded(5, "CRS-DEATH"));
    }

    [Test]
    public void Crs_RoomAirSpo2Exactly90_NoHypoxiaAlert()
    {
        var r = Grade(Febrile() with { Oxygen = new OxygenSupport(OxygenDevice.RoomAir, RoomAirSpo2Percent: 90m) });
        Assert.That(r.Flags, Does.Not.Contain(GradeFlags.HypoxiaWithoutDocumentedSupport));
    }

    [Test]
    public void Crs_MissingTemperatureIsReportedAsMissing()
    {
        var r = Grade(new CrsInput { SystolicBpMmHg = NormalSbp, Oxygen = RoomAir });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(r.Missing, Does.Contain("temperature"));
            Assert.That(r.Grade, Is.Null);
        }
    }

    [Test]
    public void Crs_MissingBloodPressureAndOxygenAreReportedMissing_NotGradedAsNormal()
    {
        var r = Grade(new CrsInput { Temperature = Celsius(38.4m) });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(r.Missing, Is.SupersetOf(new[] { "systolicBp", "oxygen" }));
            Assert.That(r.Domains.Single(d => d.Domain == "hypotension").Status, Is.EqualTo(DomainStatus.Missing));
            Assert.That(r.Domains.Single(d => d.Domain == "hypoxia").Status, Is.EqualTo(DomainStatus.Missing));
        }
    }

    [Test]
    public void Crs_ResultCarriesTheInputsItUsed()
    {
        var r = Grade(Febrile() with { Oxygen = Cannula(6.5m), SystolicBpMmHg = 88m });
        var inputs = r.Inputs.ToDictionary(i => i.Name, i => i.Value);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(inputs.Keys, Is.SupersetOf(new[] { "temperature", "systolicBp", "oxygen" }));
            Assert.That(inputs.GetValueOrDefault("temperature"), Does.Contain("38.4"));
            Assert.That(inputs.GetValueOrDefault("systolicBp"), Does.Contain("88"));
            Assert.That(inputs.GetValueOrDefault("oxygen"), Does.Contain("6.5"));
        }
    }

    [Test]
    public void Crs_RuleTextNamesTheRuleId_LikeHypoxiaAxis3VenturiMask()
    {
        var r = Grade(Febrile() with { Oxygen = Device(OxygenDevice.VenturiMask) });
        Assert.That(r.Rules.Single(x => x.Id == "CRS-O2").Text, Does.Contain("Venturi").And.Contain("(CRS-O2)"));
    }
}
