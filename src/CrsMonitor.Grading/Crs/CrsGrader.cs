using System.Globalization;

namespace CrsMonitor.Grading.Crs;

/// <summary>
/// ASTCT 2019 CRS grade at one assessment instant (grading-rules.md section 1).
/// <list type="table">
/// <listheader><term>grade</term><description>criteria (fever ≥ 38.0 °C required, except CRS-MASK)</description></listheader>
/// <item><term>1</term><description>fever, no hypotension, no hypoxia</description></item>
/// <item><term>2</term><description>hypotension not requiring vasopressors; and/or low-flow nasal cannula ≤ 6 L/min or blow-by</description></item>
/// <item><term>3</term><description>one vasopressor with or without vasopressin; and/or high-flow cannula, facemask, non-rebreather, Venturi</description></item>
/// <item><term>4</term><description>multiple vasopressors excluding vasopressin; and/or CPAP, BiPAP, mechanical ventilation</description></item>
/// <item><term>5</term><description>death due to CRS, entered by a clinician</description></item>
/// </list>
/// Grade = the more severe of the hypotension and hypoxia axes, at least 1 with fever (CRS-MAX).
/// </summary>
public static class CrsGrader
{
    private enum Fever
    {
        Absent,
        Present,
        Unknown,
    }

    private enum VasoClass
    {
        Vasopressor,
        Vasopressin,
        Inotrope,
    }

    public static GradeResult Grade(CrsInput input, GradingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(settings);
        var r = new ResultBuilder();
        RecordInputs(input, r);

        if (input.DeathAttributedToCrs)
        {
            r.Rule("CRS-DEATH", "Grade 5: death due to CRS recorded by a clinician");
            return r.Graded(5);
        }

        if (input.OrganToxicities.Count > 0)
        {
            r.Rule("CRS-ORGAN", $"Organ toxicities ({string.Join(", ", input.OrganToxicities)}) do not change the CRS grade");
        }

        var fever = FeverState(input, r);
        var hypotension = HypotensionAxis(input, settings, r);
        var hypoxia = HypoxiaAxis(input, settings, r);
        var axes = Math.Max(hypotension, hypoxia);
        var masked = input.CrsEstablished && input.FeverTherapyGiven;

        if (fever == Fever.Present)
        {
            var grade = Math.Max(1, axes);
            r.Rule("CRS-MAX", $"Grade {grade}: fever with hypotension axis {hypotension} and hypoxia axis {hypoxia}; the more severe axis, at least 1");
            return r.Graded(grade);
        }

        if (masked)
        {
            if (axes == 0)
            {
                r.Rule("CRS-MASK", "Grade 1: established CRS treated with antipyretic or anti-cytokine therapy; fever not required, no hypotension or hypoxia");
                r.Flag(GradeFlags.FeverMasked);
                return r.Graded(1);
            }

            r.Rule("CRS-MASK", $"Grade {axes}: established CRS treated with antipyretic or anti-cytokine therapy; fever not required, graded on hypotension axis {hypotension} and hypoxia axis {hypoxia}");
            return r.Graded(axes);
        }

        if (fever == Fever.Unknown)
        {
            r.Rule("CRS-GATE", "Not gradable: no temperature recorded, and fever is required to grade CRS");
            if (axes >= 2)
            {
                r.Flag(GradeFlags.ClinicianReview); // support that needs a clinician while the temperature is missing
            }

            return r.NotGradable(NotGradableReasons.TemperatureMissing);
        }

        return Afebrile(input, hypotension, hypoxia, r);
    }

    /// <summary>
    /// No fever and no CRS-MASK. CRS-PREMED and CRS-AFEBRILE: support at axis 2 or more after a drug that may mask
    /// fever, or during an open episode, is not gradable (a clinician grades); with neither, grade 0 (ASTCT requires
    /// fever) flagged so the support that CRS does not explain is seen. A fever attributed to another cause is CRS-ATTRIB.
    /// </summary>
    private static GradeResult Afebrile(CrsInput input, int hypotension, int hypoxia, ResultBuilder r)
    {
        var axes = Math.Max(hypotension, hypoxia);
        var support = $"hypotension axis {hypotension} and hypoxia axis {hypoxia}";
        if (axes < 2 || input.FeverAttributedToOtherCause)
        {
            r.Rule("CRS-GATE", axes > 0 ? $"Grade 0: no fever, so {support} do not make CRS" : "Grade 0: no fever");
            return r.Graded(0);
        }

        if (input.SteroidPremedication && !input.CrsEstablished)
        {
            r.Rule("CRS-PREMED", $"Not gradable: afebrile after corticosteroid premedication, which may mask fever, with {support}; a clinician must grade");
            return SuspectedMaskedFever(r);
        }

        if (input.CrsEstablished || input.FeverModifyingDrugRecent)
        {
            var why = input.CrsEstablished
                ? "during an open CRS episode"
                : "after a corticosteroid, antipyretic or anti-cytokine drug within the masking period";
            r.Rule("CRS-AFEBRILE", $"Not gradable: afebrile {why}, which may mask fever, with {support}; a clinician must grade");
            return SuspectedMaskedFever(r);
        }

        r.Rule("CRS-AFEBRILE", $"Grade 0: no fever, so {support} do not make CRS (ASTCT requires fever); this support is not explained by CRS: review");
        r.Flag(GradeFlags.AfebrileSupport);
        return r.Graded(0);
    }

    private static GradeResult SuspectedMaskedFever(ResultBuilder r)
    {
        r.Flag(GradeFlags.SuspectedMaskedFever);
        r.Flag(GradeFlags.ClinicianReview);
        return r.NotGradable(NotGradableReasons.SuspectedMaskedFever);
    }

    private static Fever FeverState(CrsInput input, ResultBuilder r)
    {
        if (input.FeverAttributedToOtherCause)
        {
            r.Rule("CRS-ATTRIB", "Fever attributed to another cause by a clinician: not counted");
            r.Domain(new DomainResult("fever", DomainStatus.Graded, 0, "attributed-to-other-cause"));
            return Fever.Absent;
        }

        if (input.Temperature is not { } t)
        {
            r.Missing("temperature");
            r.Domain(new DomainResult("fever", DomainStatus.Missing, null));
            return Fever.Unknown;
        }

        var present = t.IsFever;
        r.Rule("CRS-FEVER", present ? $"Fever: {t} is at or above 38.0 °C" : $"No fever: {t} is below 38.0 °C");
        r.Domain(new DomainResult("fever", DomainStatus.Graded, present ? 1 : 0));
        return present ? Fever.Present : Fever.Absent;
    }

    private static int HypotensionAxis(CrsInput input, GradingSettings settings, ResultBuilder r)
    {
        if (input.HypotensionAttributedToOtherCause)
        {
            r.Rule("CRS-ATTRIB", "Hypotension axis 0: hypotension attributed to another cause by a clinician");
            return Domain(r, "hypotension", 0, "attributed-to-other-cause");
        }

        var at = input.AssessedAt;
        var running = input.Vasoactives.Where(v => IsRunning(v, at)).ToList();
        foreach (var inotrope in running.Where(v => Classify(v.Agent) == VasoClass.Inotrope).Select(v => v.Agent).Distinct())
        {
            r.Rule("CRS-VASO", $"{Vocabulary.VasoactiveAgent.Code(inotrope)} is an inotrope, not a vasopressor: not counted");
        }

        var counted = running.Where(v => Classify(v.Agent) == VasoClass.Vasopressor).Select(v => v.Agent).Distinct().ToList();
        var vasopressin = running.Any(v => Classify(v.Agent) == VasoClass.Vasopressin);
        var names = string.Join(" + ", counted.Select(Vocabulary.VasoactiveAgent.Code));
        var withVasopressin = vasopressin ? ", vasopressin not counted" : string.Empty;

        if (counted.Count >= 2)
        {
            r.Rule("CRS-VASO", $"Hypotension axis 4: {counted.Count} vasopressors running together ({names}){withVasopressin}");
            return Domain(r, "hypotension", 4);
        }

        if (counted.Count == 1)
        {
            r.Rule("CRS-VASO", $"Hypotension axis 3: one vasopressor running ({names}){(vasopressin ? " with vasopressin" : string.Empty)}");
            return Domain(r, "hypotension", 3);
        }

        if (vasopressin)
        {
            r.Rule("CRS-VASO", "Hypotension axis 3: vasopressin alone (vasopressin is never counted; review)");
            r.Flag(GradeFlags.VasopressinMonotherapy);
            return Domain(r, "hypotension", 3);
        }

        if (input.SystolicBpMmHg is not { } sbp)
        {
            if (input.FluidBolusForHypotension)
            {
                r.Rule("CRS-HYPO-DEF", "Hypotension axis 2: hypotension without a running vasopressor (IV fluid bolus given for low blood pressure)");
                return Domain(r, "hypotension", 2);
            }

            r.Missing("systolicBp");
            r.Domain(new DomainResult("hypotension", DomainStatus.Missing, null));
            return 0;
        }

        var (threshold, basis) = HypotensionThreshold(input.AgeYears, settings);
        r.Rule("CRS-HYPO-PED", basis);
        var lowSbp = sbp < threshold;
        if (lowSbp || input.FluidBolusForHypotension)
        {
            var why = new List<string>();
            if (lowSbp)
            {
                why.Add($"systolic BP {Num(sbp)} mmHg below {Num(threshold)}");
            }

            if (input.FluidBolusForHypotension)
            {
                why.Add("IV fluid bolus given for low blood pressure");
            }

            r.Rule("CRS-HYPO-DEF", $"Hypotension axis 2: hypotension without a running vasopressor ({string.Join("; ", why)})");
            return Domain(r, "hypotension", 2);
        }

        r.Rule("CRS-HYPO-DEF", $"Hypotension axis 0: systolic BP {Num(sbp)} mmHg is not below {Num(threshold)}, no fluid bolus or vasopressor");
        return Domain(r, "hypotension", 0);
    }

    /// <summary>
    /// CRS-HYPO-PED (PALS, as the pediatric CARTOX guidance uses): under 1 year SBP &lt; 70; 1–10 years SBP &lt; 70 + 2 × age;
    /// from 11 years, and without an age, the adult setting <c>hypotensionSystolicBelow</c>.
    /// </summary>
    private static (decimal Threshold, string Text) HypotensionThreshold(int? age, GradingSettings settings)
    {
        var adult = settings.HypotensionSystolicBelowMmHg;
        return age switch
        {
            null => (adult, $"Age not given: the adult threshold applies, hypotension is systolic BP below {Num(adult)} mmHg (setting hypotensionSystolicBelow)"),
            < 1 => (70m, "Age under 1 year: hypotension is systolic BP below 70 mmHg (PALS)"),
            <= 10 and var years => (70m + (2 * years), $"Age {years}: hypotension is systolic BP below 70 + 2 × {years} = {70 + (2 * years)} mmHg (PALS)"),
            var years => (adult, $"Age {years}: the adult threshold applies, hypotension is systolic BP below {Num(adult)} mmHg (setting hypotensionSystolicBelow)"),
        };
    }

    private static int HypoxiaAxis(CrsInput input, GradingSettings settings, ResultBuilder r)
    {
        if (input.Oxygen is not { } o)
        {
            r.Missing("oxygen");
            r.Domain(new DomainResult("hypoxia", DomainStatus.Missing, null));
            return 0;
        }

        var device = Vocabulary.OxygenDevice.Code(o.Device);
        if (o.Device == OxygenDevice.RoomAir)
        {
            r.Rule("CRS-O2", "Hypoxia axis 0: room air");
            if (o.RoomAirSpo2Percent < settings.HypoxiaAlertSpo2BelowPercent)
            {
                r.Rule("CRS-SPO2", $"SpO2 {Num(o.RoomAirSpo2Percent.Value)} % on room air with no oxygen recorded: hypoxia without documented support (alert; SpO2 does not grade)");
                r.Flag(GradeFlags.HypoxiaWithoutDocumentedSupport);
            }

            return Domain(r, "hypoxia", 0);
        }

        if (input.HypoxiaAttributedToOtherCause)
        {
            r.Rule("CRS-ATTRIB", $"Hypoxia axis 0: {device} attributed to another cause by a clinician");
            return Domain(r, "hypoxia", 0, "attributed-to-other-cause");
        }

        if (o.AtBaseline)
        {
            r.Rule("CRS-ATTRIB", $"Hypoxia axis 0: {device} unchanged from the recorded baseline");
            return Domain(r, "hypoxia", 0, "at-baseline");
        }

        var positivePressure = o.Device is OxygenDevice.Cpap or OxygenDevice.Bipap or OxygenDevice.MechanicalVentilation;
        if (o.ForComfort && positivePressure)
        {
            r.Rule("CRS-ATTRIB", $"{device} recorded for comfort: positive pressure is never for comfort, it counts unless it is the recorded baseline");
        }
        else if (o.ForComfort)
        {
            if (o.RoomAirSpo2Percent >= settings.ComfortOxygenMinimumSpo2Percent)
            {
                r.Rule("CRS-ATTRIB", $"Hypoxia axis 0: {device} for comfort with SpO2 {Num(o.RoomAirSpo2Percent.Value)} % on room air (at least {Num(settings.ComfortOxygenMinimumSpo2Percent)} %)");
                return Domain(r, "hypoxia", 0, "for-comfort");
            }

            r.Flag(GradeFlags.ComfortOxygenUnverified);
            r.Rule("CRS-ATTRIB", o.RoomAirSpo2Percent is { } spo2
                ? $"Oxygen for comfort not accepted: SpO2 {Num(spo2)} % on room air is below {Num(settings.ComfortOxygenMinimumSpo2Percent)} %"
                : "Oxygen for comfort not accepted: no room-air SpO2 recorded");
        }

        var flow = o.FlowLitresPerMinute;
        if (flow == 0m)
        {
            r.Rule("CRS-O2", $"A flow of 0 L/min with {device} is not oxygen support (record room air instead): graded on the device, flow not recorded");
            r.Flag(GradeFlags.OxygenFlowMissing);
            flow = null;
        }

        var flowText = flow is { } f ? $" at {Num(f)} L/min" : string.Empty;
        var (axis, text) = o.Device switch
        {
            OxygenDevice.NasalCannula when flow is null => (2, "nasal cannula, flow not recorded: graded as low flow (review)"),
            OxygenDevice.NasalCannula when flow <= 6.0m => (2, $"low-flow nasal cannula{flowText} (at most 6 L/min)"),
            OxygenDevice.NasalCannula => (3, $"nasal cannula{flowText} is high flow (above 6 L/min)"),
            OxygenDevice.BlowBy => (2, "blow-by oxygen"),
            OxygenDevice.HighFlowNasalCannula when flow <= 6.0m => (2, $"high-flow nasal cannula device set{flowText} (at most 6 L/min; review)"),
            OxygenDevice.HighFlowNasalCannula => (3, $"high-flow nasal cannula{flowText}"),
            OxygenDevice.SimpleFaceMask => (3, $"simple facemask{flowText}"),
            OxygenDevice.NonRebreather => (3, $"non-rebreather mask{flowText}"),
            OxygenDevice.VenturiMask => (3, "Venturi mask"),
            OxygenDevice.Cpap => (4, "positive pressure: CPAP"),
            OxygenDevice.Bipap => (4, "positive pressure: BiPAP/NIV"),
            OxygenDevice.MechanicalVentilation => (4, "positive pressure: mechanical ventilation"),
            _ => throw new ArgumentOutOfRangeException(nameof(input), o.Device, "Unknown oxygen device"),
        };

        if (o.Device == OxygenDevice.NasalCannula && flow is null)
        {
            r.Flag(GradeFlags.OxygenFlowMissing);
            r.Missing("oxygen.flowLitresPerMinute");
        }


        if (o.Device == OxygenDevice.HighFlowNasalCannula && axis == 2)
        {
            r.Flag(GradeFlags.HfncLowFlow);
        }

        r.Rule("CRS-O2", $"Hypoxia axis {axis}: {text}");
        return Domain(r, "hypoxia", axis);
    }

    private static VasoClass Classify(VasoactiveAgent agent) => agent switch
    {
        VasoactiveAgent.Vasopressin => VasoClass.Vasopressin,
        VasoactiveAgent.Dobutamine or VasoactiveAgent.Milrinone => VasoClass.Inotrope,
        _ => VasoClass.Vasopressor,
    };

    /// <summary>
    /// CRS-VASO: running at the assessment instant (started at or before it, not ended by it: an infusion whose recorded
    /// end is at or before the instant is not running). Without an instant, an infusion with an end is not running.
    /// </summary>
    private static bool IsRunning(VasoactiveInfusion v, DateTimeOffset? at) => at is { } t
        ? (v.Start is null || v.Start <= t) && (v.End is null || v.End > t)
        : v.End is null;

    private static int Domain(ResultBuilder r, string name, int grade, string? reason = null)
    {
        r.Domain(new DomainResult(name, DomainStatus.Graded, grade, reason));
        return grade;
    }

    private static string Num(decimal value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static void RecordInputs(CrsInput input, ResultBuilder r)
    {
        if (input.Temperature is { } t)
        {
            r.Input("temperature", t.ToString());
        }

        if (input.SystolicBpMmHg is { } sbp)
        {
            r.Input("systolicBp", $"{Num(sbp)} mmHg");
        }

        if (input.AgeYears is { } age)
        {
            r.Input("ageYears", age.ToString(CultureInfo.InvariantCulture));
        }

        if (input.FluidBolusForHypotension)
        {
            r.Input("fluidBolusForHypotension", "true");
        }

        foreach (var v in input.Vasoactives)
        {
            r.Input("vasopressor", $"{Vocabulary.VasoactiveAgent.Code(v.Agent)} {v.Start?.ToString("O", CultureInfo.InvariantCulture) ?? "?"} to {v.End?.ToString("O", CultureInfo.InvariantCulture) ?? "running"}");
        }

        if (input.AssessedAt is { } at)
        {
            r.Input("assessedAt", at.ToString("O", CultureInfo.InvariantCulture));
        }

        if (input.Oxygen is { } o)
        {
            var flow = o.FlowLitresPerMinute is { } f ? $" {Num(f)} L/min" : string.Empty;
            var extra = (o.AtBaseline ? " at-baseline" : string.Empty) + (o.ForComfort ? " for-comfort" : string.Empty)
                + (o.RoomAirSpo2Percent is { } s ? $" room-air SpO2 {Num(s)} %" : string.Empty);
            r.Input("oxygen", $"{Vocabulary.OxygenDevice.Code(o.Device)}{flow}{extra}");
        }

        (bool On, string Name)[] flags =
        [
            (input.CrsEstablished, "crsEstablished"), (input.FeverTherapyGiven, "feverTherapyGiven"),
            (input.SteroidPremedication, "steroidPremedication"), (input.FeverModifyingDrugRecent, "feverModifyingDrugRecent"),
            (input.FeverAttributedToOtherCause, "feverAttributedToOtherCause"),
            (input.HypotensionAttributedToOtherCause, "hypotensionAttributedToOtherCause"),
            (input.HypoxiaAttributedToOtherCause, "hypoxiaAttributedToOtherCause"), (input.DeathAttributedToCrs, "deathAttributedToCrs"),
        ];
        foreach (var (on, name) in flags.Where(f => f.On))
        {
            r.Input(name, "true");
        }
    }
}
