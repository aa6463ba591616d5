using CrsMonitor.Grading.Crs;
using NUnit.Framework;
using static CrsMonitor.Grading.Crs.VasoactiveAgent;
using static CrsMonitor.Grading.Tests.Given;

namespace CrsMonitor.Grading.Tests;

/// <summary>
/// Every CRS vignette of vignettes.md (C01–C36), one named test each. Unless the vignette says otherwise: adult,
/// no CRS established, no fever therapy, nothing attributed, all findings current. Values a vignette leaves
/// implicit are chosen here and named in the comment of the row: unstated blood pressure is 120 mmHg
/// (<see cref="NormalSbp"/>), unstated oxygen is room air, "afebrile" is 36.8 °C, a vasopressor without times
/// is running (no end). With a vasopressor running, no SBP is given: the infusion is the hypotension input.
/// </summary>
[TestFixture]
public sealed class CrsVignetteTests
{
    private static TestCaseData Case(string name, CrsInput input, Expected expected) =>
        new TestCaseData(input, expected).SetName(name);

    private static IEnumerable<TestCaseData> Vignettes()
    {
        // C01–C05: fever gate and organ toxicity. SBP 118 as given; C03–C05 SBP unstated -> 120.
        yield return Case("C01_37Point9Celsius_NoFever_Grade0",
            new CrsInput { Temperature = Celsius(37.9m), SystolicBpMmHg = 118m, Oxygen = RoomAir },
            Expected.Graded(0, "CRS-FEVER", "CRS-GATE").WithDomain("fever", 0));
        yield return Case("C02_38Point0Celsius_Fever_Grade1",
            new CrsInput { Temperature = Celsius(38.0m), SystolicBpMmHg = 118m, Oxygen = RoomAir },
            Expected.Graded(1, "CRS-FEVER", "CRS-MAX").WithDomain("fever", 1).WithDomain("hypotension", 0).WithDomain("hypoxia", 0));
        yield return Case("C03_100Point4Fahrenheit_Fever_Grade1",
            new CrsInput { Temperature = Fahrenheit(100.4m), SystolicBpMmHg = NormalSbp, Oxygen = RoomAir },
            Expected.Graded(1, "CRS-FEVER", "CRS-MAX").WithDomain("fever", 1));
        yield return Case("C04_100Point3Fahrenheit_NoFever_Grade0",
            new CrsInput { Temperature = Fahrenheit(100.3m), SystolicBpMmHg = NormalSbp, Oxygen = RoomAir },
            Expected.Graded(0, "CRS-FEVER", "CRS-GATE").WithDomain("fever", 0));
        yield return Case("C05_FeverWithGrade4TransaminitisAndGrade3Creatinine_Grade1",
            Febrile(38.6m) with { OrganToxicities = ["transaminase increased grade 4", "creatinine increased grade 3"] },
            Expected.Graded(1, "CRS-ORGAN", "CRS-MAX"));

        // C06: hypotension treated with fluids only -> axis 2 (CRS-HYPO-DEF).
        yield return Case("C06_Sbp84AfterFluidBolusNoVasopressor_Grade2",
            new CrsInput { Temperature = Celsius(38.4m), SystolicBpMmHg = 84m, FluidBolusForHypotension = true, Oxygen = RoomAir },
            Expected.Graded(2, "CRS-HYPO-DEF", "CRS-MAX").WithDomain("hypotension", 2).WithDomain("hypoxia", 0));

        // C07–C16: the hypoxia axis (CRS-O2). T 38.4 °C, SBP unstated -> 120.
        yield return Case("C07_NasalCannula2_Grade2", Febrile() with { Oxygen = Cannula(2m) },
            Expected.Graded(2, "CRS-O2", "CRS-MAX").WithDomain("hypoxia", 2));
        yield return Case("C08_NasalCannula6Point0_Grade2", Febrile() with { Oxygen = Cannula(6.0m) },
            Expected.Graded(2, "CRS-O2").WithDomain("hypoxia", 2));
        yield return Case("C09_NasalCannula6Point5_Grade3", Febrile() with { Oxygen = Cannula(6.5m) },
            Expected.Graded(3, "CRS-O2").WithDomain("hypoxia", 3));
        yield return Case("C10_BlowBy_Grade2", Febrile() with { Oxygen = Device(OxygenDevice.BlowBy) },
            Expected.Graded(2, "CRS-O2").WithDomain("hypoxia", 2));
        yield return Case("C11_SimpleFacemask5_Grade3", Febrile() with { Oxygen = Device(OxygenDevice.SimpleFaceMask, 5m) },
            Expected.Graded(3, "CRS-O2").WithDomain("hypoxia", 3));

        // C12: the model has no FiO2 field; "Venturi mask 28 %" is the device alone (any Venturi mask is axis 3).
        yield return Case("C12_VenturiMask28Percent_Grade3", Febrile() with { Oxygen = Device(OxygenDevice.VenturiMask) },
            Expected.Graded(3, "CRS-O2").WithDomain("hypoxia", 3));
        yield return Case("C13_NonRebreather15_Grade3", Febrile() with { Oxygen = Device(OxygenDevice.NonRebreather, 15m) },
            Expected.Graded(3, "CRS-O2").WithDomain("hypoxia", 3));

        // C14: FiO2 40 % is not an input (the model grades by device and flow).
        yield return Case("C14_HighFlowNasalCannula40_Grade3", Febrile() with { Oxygen = HighFlow(40m) },
            Expected.Graded(3, "CRS-O2").WithDomain("hypoxia", 3));
        yield return Case("C15_Bipap_Grade4", Febrile() with { Oxygen = Device(OxygenDevice.Bipap) },
            Expected.Graded(4, "CRS-O2").WithDomain("hypoxia", 4));
        yield return Case("C16_IntubatedAndVentilated_Grade4", Febrile() with { Oxygen = Device(OxygenDevice.MechanicalVentilation) },
            Expected.Graded(4, "CRS-O2").WithDomain("hypoxia", 4));

        // C17–C22: the hypotension axis (CRS-VASO). Infusions without times are running; no SBP given.
        yield return Case("C17_NorepinephrineAndNasalCannula2_Grade3",
            new CrsInput { Temperature = Celsius(39.5m), Vasoactives = [Running(Norepinephrine)], Oxygen = Cannula(2m) },
            Expected.Graded(3, "CRS-VASO", "CRS-O2", "CRS-MAX").WithDomain("hypotension", 3).WithDomain("hypoxia", 2));
        yield return Case("C18_NorepinephrinePlusVasopressin_Grade3",
            new CrsInput { Temperature = Celsius(38.9m), Vasoactives = [Running(Norepinephrine), Running(Vasopressin)], Oxygen = RoomAir },
            Expected.Graded(3, "CRS-VASO").WithDomain("hypotension", 3));
        yield return Case("C19_NorepinephrinePlusPhenylephrineTogether_Grade4",
            new CrsInput { Temperature = Celsius(38.9m), Vasoactives = [Running(Norepinephrine), Running(Phenylephrine)], Oxygen = RoomAir },
            Expected.Graded(4, "CRS-VASO").WithDomain("hypotension", 4));
        yield return Case("C20_NorepinephrinePlusEpinephrinePlusVasopressin_Grade4",
            new CrsInput
            {
                Temperature = Celsius(38.9m),
                Vasoactives = [Running(Norepinephrine), Running(Epinephrine), Running(Vasopressin)],
                Oxygen = RoomAir,
            },
            Expected.Graded(4, "CRS-VASO").WithDomain("hypotension", 4));
        yield return Case("C21_VasopressinAlone_Grade3_FlagVasopressinMonotherapy",
            new CrsInput { Temperature = Celsius(38.9m), Vasoactives = [Running(Vasopressin)], Oxygen = RoomAir },
            Expected.Graded(3, "CRS-VASO").WithFlags(GradeFlags.VasopressinMonotherapy).WithDomain("hypotension", 3));

        // C22: norepinephrine 08:00–10:00 (start not given: 08:00 chosen), phenylephrine from 10:05, assessed 10:30.
        yield return Case("C22_NorepinephrineStoppedThenPhenylephrineStarted_IsOneAgent_Grade3",
            new CrsInput
            {
                Temperature = Celsius(38.9m),
                Vasoactives = [new(Norepinephrine, At(8), At(10)), new(Phenylephrine, At(10, 5))],
                AssessedAt = At(10, 30),
                Oxygen = RoomAir,
            },
            Expected.Graded(3, "CRS-VASO").WithDomain("hypotension", 3));

        // C23–C25, C36: established CRS after tocilizumab (and dexamethasone) -> CRS-MASK, fever not required.
        yield return Case("C23_EstablishedCrsAfterTocilizumab_Afebrile_Sbp86AfterBolus_Grade2",
            new CrsInput
            {
                CrsEstablished = true,
                FeverTherapyGiven = true,
                Temperature = Celsius(37.1m),
                SystolicBpMmHg = 86m,
                FluidBolusForHypotension = true,
                Oxygen = RoomAir,
            },
            Expected.Graded(2, "CRS-MASK", "CRS-HYPO-DEF").WithDomain("hypotension", 2));

        // C24: oxygen unstated -> room air.
        yield return Case("C24_EstablishedCrsAfterTocilizumabAndDexamethasone_Afebrile_Norepinephrine_Grade3",
            new CrsInput
            {
                CrsEstablished = true,
                FeverTherapyGiven = true,
                Temperature = Celsius(36.9m),
                Vasoactives = [Running(Norepinephrine)],
                Oxygen = RoomAir,
            },
            Expected.Graded(3, "CRS-MASK", "CRS-VASO").WithDomain("hypotension", 3));
        yield return Case("C25_EstablishedCrsAfterTocilizumab_Afebrile_Cpap_Grade4",
            new CrsInput
            {
                CrsEstablished = true,
                FeverTherapyGiven = true,
                Temperature = Celsius(37.0m),
                SystolicBpMmHg = NormalSbp,
                Oxygen = Device(OxygenDevice.Cpap),
            },
            Expected.Graded(4, "CRS-MASK", "CRS-O2").WithDomain("hypoxia", 4));

        // C26: dexamethasone premedication, no CRS yet; 14 h later afebrile with hypotension (axis 2). Room air.
        yield return Case("C26_SteroidPremedication_Afebrile_Sbp86WithBolus_NotGradable_SuspectedMaskedFever",
            new CrsInput
            {
                SteroidPremedication = true,
                Temperature = Celsius(37.6m),
                SystolicBpMmHg = 86m,
                FluidBolusForHypotension = true,
                Oxygen = RoomAir,
            },
            Expected.NotGradable(NotGradableReasons.SuspectedMaskedFever, "CRS-PREMED")
                .WithFlags(GradeFlags.SuspectedMaskedFever, GradeFlags.ClinicianReview));

        // C27–C28: the SBP threshold (default < 90). Room air.
        yield return Case("C27_Sbp88NoIntervention_Grade2",
            new CrsInput { Temperature = Celsius(38.3m), SystolicBpMmHg = 88m, Oxygen = RoomAir },
            Expected.Graded(2, "CRS-HYPO-DEF").WithDomain("hypotension", 2));
        yield return Case("C28_SbpExactly90NoIntervention_Grade1",
            new CrsInput { Temperature = Celsius(38.3m), SystolicBpMmHg = 90m, Oxygen = RoomAir },
            Expected.Graded(1, "CRS-HYPO-DEF", "CRS-MAX").WithDomain("hypotension", 0));

        // C29–C32: attribution (CRS-ATTRIB), a clinician input. SBP unstated -> 120.
        yield return Case("C29_HomeOxygen2ForCopdUnchangedFromBaseline_Grade1",
            Febrile(38.2m) with { Oxygen = new OxygenSupport(OxygenDevice.NasalCannula, 2m, AtBaseline: true) },
            Expected.Graded(1, "CRS-ATTRIB").WithDomain("hypoxia", 0));
        yield return Case("C30_NasalCannula2ForComfortWithRoomAirSpo298_Grade1",
            Febrile(38.2m) with { Oxygen = new OxygenSupport(OxygenDevice.NasalCannula, 2m, ForComfort: true, RoomAirSpo2Percent: 98m) },
            Expected.Graded(1, "CRS-ATTRIB").WithDomain("hypoxia", 0));
        yield return Case("C31_HomeCpapForSleepApnoeaAtBaseline_Grade1",
            Febrile(38.4m) with { Oxygen = new OxygenSupport(OxygenDevice.Cpap, AtBaseline: true) },
            Expected.Graded(1, "CRS-ATTRIB").WithDomain("hypoxia", 0));
        yield return Case("C32_FeverAttributedToBacteraemia_Grade0",
            Febrile(39.0m) with { FeverAttributedToOtherCause = true },
            Expected.Graded(0, "CRS-ATTRIB", "CRS-GATE").WithDomain("fever", 0));

        yield return Case("C33_HighFlowDeviceSetTo6_Grade2_FlagHfncLowFlow",
            Febrile(38.5m) with { Oxygen = HighFlow(6m) },
            Expected.Graded(2, "CRS-O2").WithFlags(GradeFlags.HfncLowFlow).WithDomain("hypoxia", 2));

        // C34: the clinician's record is the only input.
        yield return Case("C34_ClinicianRecordsDeathDueToCrs_Grade5",
            new CrsInput { DeathAttributedToCrs = true },
            Expected.Graded(5, "CRS-DEATH"));

        yield return Case("C35_NasalCannula3AndSbp85TreatedWithFluidsOnly_Grade2",
            new CrsInput { Temperature = Celsius(38.7m), SystolicBpMmHg = 85m, FluidBolusForHypotension = true, Oxygen = Cannula(3m) },
            Expected.Graded(2, "CRS-HYPO-DEF", "CRS-O2", "CRS-MAX").WithDomain("hypotension", 2).WithDomain("hypoxia", 2));
        yield return Case("C36_EstablishedCrsAfterTocilizumab_Afebrile_NoHypotensionNoHypoxia_Grade1_FlagFeverMasked",
            new CrsInput
            {
                CrsEstablished = true,
                FeverTherapyGiven = true,
                Temperature = Celsius(37.0m),
                SystolicBpMmHg = 120m,
                Oxygen = RoomAir,
            },
            Expected.Graded(1, "CRS-MASK").WithFlags(GradeFlags.FeverMasked).WithDomain("hypotension", 0).WithDomain("hypoxia", 0));
    }

    [TestCaseSource(nameof(Vignettes))]
    public void Vignette(CrsInput input, Expected expected) =>
        GradeAssert.Matches(Grade(input), expected);

    [Test]
    public void EveryCrsVignetteC01ToC36IsATest()
    {
        var ids = Vignettes().Select(c => c.TestName![..3]).Distinct().ToList();
        Assert.That(ids, Is.EquivalentTo(Enumerable.Range(1, 36).Select(i => $"C{i:00}")));
    }
}
