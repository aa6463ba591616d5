using CrsMonitor.Service.Readings;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace CrsMonitor.Service.Ingest;

/// <summary>Observations: vital signs, blood-pressure panels, oxygen device, neuro-check panels, clinician inputs, laboratory results.</summary>
internal sealed partial class ResourceInterpreter
{
    private enum Meaning
    {
        Quantity,
        BloodPressurePanel,
        OxygenDevice,
        NeuroCheckPanel,
        ClinicianInput,
        Lab,
    }

    /// <summary>What an Observation's code says it is; quantity, clinician-input or analyte definition where it applies.</summary>
    private readonly record struct CodeMeaning(Meaning Meaning, QuantityCode? Quantity = null, ClinicianInputCode? Input = null, LabAnalyte? Lab = null)
    {
        public string Describe => Meaning switch
        {
            Meaning.Quantity => Quantity!.Label,
            Meaning.Lab => Lab!.Label,
            Meaning.ClinicianInput => Input!.Code,
            Meaning.BloodPressurePanel => "blood-pressure panel",
            Meaning.OxygenDevice => "oxygen device",
            _ => "neuro check",
        };
    }

    private static readonly ObservationStatus[] Counted =
        [ObservationStatus.Preliminary, ObservationStatus.Final, ObservationStatus.Amended, ObservationStatus.Corrected];

    private void ObservationRules(Observation o, Findings f)
    {
        References.Check(o.Subject, "Patient", ".subject", f, "the Patient it is about");
        if (o.Status is null)
        {
            f.Error(".status", "is required", OperationOutcome.IssueType.Required);
        }

        if (Classify(o.Code, ".code", f) is not { } meaning)
        {
            return;
        }

        // A retraction (entered-in-error, cancelled) gives no reading, so it needs no time: refusing one for lacking a
        // time would keep the reading it withdraws (the R4 example f202 is entered-in-error with only `issued`).
        var retracts = o.Status is ObservationStatus.EnteredInError or ObservationStatus.Cancelled;
        var time = ReadEffective(o.Effective, "effective", f, required: !retracts, "when it was measured");
        var drafts = meaning.Meaning switch
        {
            Meaning.Quantity => QuantityObservation(o, meaning.Quantity!, f),
            Meaning.BloodPressurePanel => BloodPressurePanel(o, f),
            Meaning.OxygenDevice => OxygenDeviceObservation(o, f),
            Meaning.NeuroCheckPanel => NeuroCheckPanel(o, f),
            Meaning.Lab => LabObservation(o, meaning.Lab!, f),
            _ => ClinicianInput(o, meaning.Input!, f),
        };

        if (o.Status is ObservationStatus.Registered or ObservationStatus.Unknown)
        {
            f.Warning(".status", $"is '{o.Status.GetLiteral()}': stored, not used for grading (only preliminary, final, amended and corrected results are)");
        }

        // entered-in-error and cancelled retract: the resource is kept, it yields no reading.
        if (time is { } t && o.Status is { } status && Counted.Contains(status))
        {
            // The device that measured it (issue 17: wearable streams); kept on the reading, never a grading input.
            var device = DeviceIdentity.Of(o.Device);
            Emit(f, device is null ? drafts : drafts.Select(d => d with { Device = device }), t.Start);
        }
    }

    /// <summary>
    /// The one meaning of an Observation's codings. Several codes of one quantity (8310-5 and 8331-1) are one meaning;
    /// a code deliberately not graded decides whatever else is coded beside it (8310-5 with 61008-9 is a skin
    /// temperature); unknown codes: a warning and null (stored, not graded).
    /// </summary>
    private CodeMeaning? Classify(CodeableConcept? code, string relative, Findings f)
    {
        if (code is null)
        {
            f.Error(relative, "is required", OperationOutcome.IssueType.Required);
            return null;
        }

        var errors = f.Errors.Count;
        var found = new List<CodeMeaning>();
        NotGradedCode? notGraded = null;
        for (var k = 0; k < code.Coding.Count; k++)
        {
            var coding = code.Coding[k];
            if (coding.System == Codes.LoincSystem && coding.Code is { } loinc)
            {
                if (Codes.QuantitiesByLoinc.TryGetValue(loinc, out var quantity))
                {
                    found.Add(new CodeMeaning(Meaning.Quantity, quantity));
                }
                else if (Codes.BloodPressurePanelCodes.Contains(loinc))
                {
                    found.Add(new CodeMeaning(Meaning.BloodPressurePanel));
                }
                else if (Codes.NotGradedByLoinc.TryGetValue(loinc, out var skipped))
                {
                    notGraded ??= skipped;
                }
                else if (data.Labs.ByLoinc.TryGetValue(loinc, out var lab))
                {
                    found.Add(new CodeMeaning(Meaning.Lab, Lab: lab.Analyte));
                }
            }
            else if (coding.System == Codes.CrsmonitorSystem)
            {
                var ours = coding.Code;
                if (ours == Codes.OxygenDeviceCode)
                {
                    found.Add(new CodeMeaning(Meaning.OxygenDevice));
                }
                else if (ours == Codes.NeuroCheckPanelCode)
                {
                    found.Add(new CodeMeaning(Meaning.NeuroCheckPanel));
                }
                else if (ours is not null && Codes.ClinicianInputs.TryGetValue(ours, out var input))
                {
                    found.Add(new CodeMeaning(Meaning.ClinicianInput, Input: input));
                }
                else
                {
                    f.Error($"{relative}.coding[{k}].code", WhyNotAnObservationCode(ours), OperationOutcome.IssueType.CodeInvalid);
                }
            }
        }

        if (notGraded is { Loinc: var skippedCode })
        {
            if (f.Errors.Count == errors)
            {
                f.Warning(relative, $"(LOINC {skippedCode.Code} {skippedCode.Display}) is not graded: {notGraded.Reason}; stored, not used for grading");
            }

            return null;
        }

        var distinct = found.Distinct().ToList();
        if (distinct.Count > 1)
        {
            f.Error(relative, $"carries codes of different measurements ({string.Join("; ", distinct.Select(m => m.Describe))}): send one Observation per measurement");
            return null;
        }

        if (distinct.Count == 0)
        {
            if (f.Errors.Count == errors)
            {
                var first = code.Coding.FirstOrDefault();
                var shown = first is null ? $"text '{Show(code.Text)}'" : $"{Show(first.System)}|{Show(first.Code)}";
                f.Warning(relative, $"({shown}) is not a code CrsMonitor understands: stored, not used for grading");
            }

            return null;
        }

        return distinct[0];
    }

    private string WhyNotAnObservationCode(string? code)
    {
        if (code is null)
        {
            return "is missing";
        }

        if (code is "crs-grade" or "icans-grade")
        {
            return $"'{code}' is derived by CrsMonitor and cannot be sent";
        }

        if (code == Codes.AtBaselineCode || code == Codes.ForComfortCode)
        {
            return $"'{code}' is a component of an {Codes.OxygenDeviceCode} Observation, not an Observation code";
        }

        return data.NeuroCheck.Item(code) is not null
            ? $"'{code}' is a neuro-check item: send it as a component of a {Codes.NeuroCheckPanelCode} Observation or in a QuestionnaireResponse"
            : $"'{Show(code)}' is not a code of {Codes.CrsmonitorSystem}";
    }

    /// <summary>A lone vital sign (temperature, HR, RR, systolic or diastolic BP, SpO2, O2 flow, FiO2).</summary>
    private List<ReadingDraft> QuantityObservation(Observation o, QuantityCode quantity, Findings f)
    {
        var drafts = new List<ReadingDraft>();
        var main = ObservationValue(o.Value, o.DataAbsentReason, quantity, string.Empty, f);
        var (components, device) = (new List<ReadingDraft>(), (string?)null);
        if (quantity.Kind == ReadingKind.Spo2)
        {
            (components, device, _, var zeroFlow) = OxygenComponents(o, f, deviceAllowed: true, qualifiersAllowed: false);
            RefuseZeroFlow(device, zeroFlow, f);
        }
        else
        {
            for (var i = 0; i < o.Component.Count; i++)
            {
                f.Warning($".component[{i}].code", "is not a component CrsMonitor uses here: stored, not used for grading");
            }
        }

        if (main is not null)
        {
            // An SpO2 taken on room air is what the hypoxia rules compare against.
            drafts.Add(quantity.Kind == ReadingKind.Spo2 && device == "room-air" ? main with { Code = "room-air" } : main);
        }

        drafts.AddRange(components);
        return drafts;
    }

    /// <summary>value[x] of a quantity Observation (or component): a valueQuantity, or a dataAbsentReason (no reading).</summary>
    private ReadingDraft? ObservationValue(DataType? value, CodeableConcept? absent, QuantityCode quantity, string relative, Findings f)
    {
        switch (value)
        {
            case null when absent is not null:
                f.Warning($"{relative}.dataAbsentReason", "says the value is absent: stored, not used for grading");
                return null;
            case null:
                f.Error($"{relative}.value[x]", $"is missing: give valueQuantity in {quantity.UnitList} for {quantity.Label} (or a dataAbsentReason)",
                    OperationOutcome.IssueType.Required);
                return null;
            case Quantity q:
                return ReadQuantity(q, quantity, $"{relative}.valueQuantity", f);
            default:
                f.Error($"{relative}.value{Suffix(value)}", $"must be a valueQuantity in {quantity.UnitList} for {quantity.Label}");
                return null;
        }
    }

    /// <summary>Unit from the table, value in its physically possible range, converted exactly to the canonical unit.</summary>
    private ReadingDraft? ReadQuantity(Quantity q, QuantityCode quantity, string relative, Findings f)
    {
        var errors = f.Errors.Count;
        if (q.Comparator is not null)
        {
            f.Error($"{relative}.comparator", $"'{q.Comparator.GetLiteral()}' makes the value inexact: send the measured value without a comparator");
        }

        if (q.System is { } system && system != Codes.UcumSystem)
        {
            f.Error($"{relative}.system", $"is '{Show(system)}' but must be {Codes.UcumSystem} (UCUM)");
        }

        var unit = quantity.Unit(q.Code);
        if (q.Code is null)
        {
            f.Error($"{relative}.code", $"is missing: give the UCUM unit code ({quantity.UnitList}) for {quantity.Label}", OperationOutcome.IssueType.Required);
        }
        else if (unit is null)
        {
            f.Error($"{relative}.code", $"'{Show(q.Code)}' is not a unit accepted for {quantity.Label}: use {quantity.UnitList}", OperationOutcome.IssueType.CodeInvalid);
        }

        if (q.Value is not { } value)
        {
            f.Error($"{relative}.value", "is missing", OperationOutcome.IssueType.Required);
            return null;
        }

        if (unit is not null && (value < unit.Min || value > unit.Max))
        {
            f.Error($"{relative}.value", $"{Number(value)} {unit.Code} is outside the physically possible range for {quantity.Label}, {Number(unit.Min)} to {Number(unit.Max)} {unit.Code}",
                OperationOutcome.IssueType.Value);
        }

        return f.Errors.Count > errors || unit is null
            ? null
            : new ReadingDraft(quantity.Kind) { Value = unit.ToCanonical(value), OriginalValue = $"{Number(value)} {unit.Code}" };
    }

    /// <summary>The blood-pressure panel: systolic and diastolic components (two readings), diastolic below systolic.</summary>
    private List<ReadingDraft> BloodPressurePanel(Observation o, Findings f)
    {
        if (o.Value is not null)
        {
            f.Error($".value{Suffix(o.Value)}", "must be absent: a blood-pressure panel carries its values in component (8480-6 systolic, 8462-4 diastolic)");
        }

        var drafts = new List<ReadingDraft>();
        (decimal Value, int Index)? systolic = null, diastolic = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < o.Component.Count; i++)
        {
            var component = o.Component[i];
            var relative = $".component[{i}]";
            var quantity = ComponentQuantity(component.Code);
            if (quantity != Codes.Systolic && quantity != Codes.Diastolic)
            {
                f.Warning($"{relative}.code", "is not a systolic or diastolic component (e.g. 8480-6, 8462-4): stored, not used for grading");
                continue;
            }

            if (!seen.Add(quantity!.Key))
            {
                f.Error($"{relative}.code", $"gives the {quantity.Display.ToLowerInvariant()} a second time");
                continue;
            }

            if (ObservationValue(component.Value, component.DataAbsentReason, quantity, relative, f) is { } draft)
            {
                drafts.Add(draft);
                if (quantity == Codes.Systolic)
                {
                    systolic = (draft.Value!.Value, i);
                }
                else
                {
                    diastolic = (draft.Value!.Value, i);
                }
            }
        }

        if (seen.Count == 0 && o.HasMember.Count == 0)
        {
            f.Error(".component", "has no systolic (8480-6) or diastolic (8462-4) component", OperationOutcome.IssueType.Required);
        }

        if (systolic is { } s && diastolic is { } d && d.Value >= s.Value)
        {
            f.Error($".component[{d.Index}].valueQuantity.value",
                $"diastolic {Number(d.Value)} mm[Hg] is not below systolic {Number(s.Value)} mm[Hg]: not a possible blood pressure", OperationOutcome.IssueType.Value);
        }

        return drafts;
    }

    /// <summary>The quantity a component's code names (LOINC), or null.</summary>
    private QuantityCode? ComponentQuantity(CodeableConcept? code) =>
        code?.Coding.Where(c => c.System == Codes.LoincSystem && c.Code is not null)
            .Select(c => Codes.QuantitiesByLoinc.GetValueOrDefault(c.Code!))
            .FirstOrDefault(q => q is not null);

    private bool HasOurCode(CodeableConcept? code, string ours) =>
        code?.Coding.Any(c => c.System == Codes.CrsmonitorSystem && c.Code == ours) ?? false;

    /// <summary>
    /// Components of an SpO2 or oxygen-device Observation: O2 flow (3151-8) and FiO2 (3150-0) as readings of their own,
    /// the device (on SpO2) and its qualifiers (on the device Observation). Other components are kept, not used.
    /// </summary>
    private (List<ReadingDraft> Drafts, string? Device, string? Qualifier, string? ZeroFlow) OxygenComponents(Observation o, Findings f, bool deviceAllowed, bool qualifiersAllowed)
    {
        var drafts = new List<ReadingDraft>();
        string? device = null;
        var qualifiers = new List<(string Code, string Relative)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? zeroFlow = null;
        for (var i = 0; i < o.Component.Count; i++)
        {
            var component = o.Component[i];
            var relative = $".component[{i}]";
            var quantity = ComponentQuantity(component.Code);
            string key;
            if (quantity is { Kind: ReadingKind.OxygenFlow or ReadingKind.FiO2 })
            {
                key = quantity.Key;
            }
            else if (deviceAllowed && HasOurCode(component.Code, Codes.OxygenDeviceCode))
            {
                key = Codes.OxygenDeviceCode;
            }
            else if (qualifiersAllowed && (HasOurCode(component.Code, Codes.AtBaselineCode) || HasOurCode(component.Code, Codes.ForComfortCode)))
            {
                key = HasOurCode(component.Code, Codes.AtBaselineCode) ? Codes.AtBaselineCode : Codes.ForComfortCode;
            }
            else
            {
                f.Warning($"{relative}.code", "is not a component CrsMonitor uses here: stored, not used for grading");
                continue;
            }

            if (!seen.Add(key))
            {
                f.Error($"{relative}.code", $"gives '{key}' a second time");
                continue;
            }

            if (quantity is not null && key == quantity.Key)
            {
                if (ObservationValue(component.Value, component.DataAbsentReason, quantity, relative, f) is { } draft)
                {
                    drafts.Add(draft);
                    zeroFlow ??= draft is { Kind: ReadingKind.OxygenFlow, Value: 0m } ? $"{relative}.valueQuantity.value" : null;
                }
            }
            else if (key == Codes.OxygenDeviceCode)
            {
                device = DeviceValue(component.Value, component.DataAbsentReason, relative, f);
                if (device is not null)
                {
                    drafts.Add(new ReadingDraft(ReadingKind.OxygenDevice) { Code = device });
                }
            }
            else if (component.Value is FhirBoolean { Value: { } flag })
            {
                if (flag)
                {
                    qualifiers.Add((key, $"{relative}.valueBoolean"));
                }
            }
            else
            {
                f.Error(component.Value is null ? $"{relative}.value[x]" : $"{relative}.value{Suffix(component.Value)}", "must be a valueBoolean (true or false)");
            }
        }

        return (drafts, device, Qualifier(o, qualifiers, f, qualifiersAllowed), zeroFlow);
    }

    /// <summary>CRS-O2: a flow of 0 L/min with a device other than room air is refused ("record room air instead").</summary>
    private static void RefuseZeroFlow(string? device, string? zeroFlow, Findings f)
    {
        if (zeroFlow is not null && device is not null && device != "room-air")
        {
            f.Error(zeroFlow, $"is 0 L/min with oxygen device '{device}': no flow is no oxygen support, record room air instead (CRS-O2)");
        }
    }

    /// <summary>at-baseline / for-comfort from the components or the qualifier extension; at most one.</summary>
    private string? Qualifier(Observation o, List<(string Code, string Relative)> qualifiers, Findings f, bool allowed)
    {
        if (allowed)
        {
            for (var i = 0; i < o.Extension.Count; i++)
            {
                var extension = o.Extension[i];
                if (extension.Url != Codes.QualifierExtensionUrl)
                {
                    continue;
                }

                if (extension.Value is Code { Value: { } word } && (word == Codes.AtBaselineCode || word == Codes.ForComfortCode))
                {
                    qualifiers.Add((word, $".extension[{i}].valueCode"));
                }
                else
                {
                    f.Error($".extension[{i}]", $"must have valueCode {Codes.AtBaselineCode} or {Codes.ForComfortCode}");
                }
            }
        }

        var distinct = qualifiers.DistinctBy(q => q.Code).ToList();
        if (distinct.Count > 1)
        {
            f.Error(distinct[1].Relative, $"says the oxygen is both {Codes.AtBaselineCode} and {Codes.ForComfortCode}: give at most one");
            return null;
        }

        return distinct.Count == 1 ? distinct[0].Code : null;
    }

    /// <summary>The oxygen device Observation: one OxygenDevice reading, plus flow and FiO2 components.</summary>
    private List<ReadingDraft> OxygenDeviceObservation(Observation o, Findings f)
    {
        var (components, _, qualifier, zeroFlow) = OxygenComponents(o, f, deviceAllowed: false, qualifiersAllowed: true);
        var device = DeviceValue(o.Value, o.DataAbsentReason, string.Empty, f);
        RefuseZeroFlow(device, zeroFlow, f);
        return device is null
            ? components
            : [new ReadingDraft(ReadingKind.OxygenDevice) { Code = device, Qualifier = qualifier }, .. components];
    }

    /// <summary>The device code of a valueCodeableConcept: our CodeSystem, or SNOMED CT through the device map.</summary>
    private string? DeviceValue(DataType? value, CodeableConcept? absent, string relative, Findings f)
    {
        var devices = data.Devices;
        switch (value)
        {
            case null when absent is not null:
                f.Warning($"{relative}.dataAbsentReason", "says the device is not known: stored, not used for grading");
                return null;
            case null:
                f.Error($"{relative}.value[x]", $"is missing: give valueCodeableConcept with a code from {devices.System}", OperationOutcome.IssueType.Required);
                return null;
            case CodeableConcept concept:
                var errors = f.Errors.Count;
                var found = new List<string>();
                for (var k = 0; k < concept.Coding.Count; k++)
                {
                    var coding = concept.Coding[k];
                    if (coding.System == devices.System)
                    {
                        if (coding.Code is { } code && devices.Codes.Contains(code))
                        {
                            found.Add(code);
                        }
                        else
                        {
                            f.Error($"{relative}.valueCodeableConcept.coding[{k}].code",
                                $"'{Show(coding.Code)}' is not an oxygen device code: use one of {string.Join(", ", devices.Codes)}", OperationOutcome.IssueType.CodeInvalid);
                        }
                    }
                    else if (coding.System == devices.SnomedSystem && coding.Code is { } snomed && devices.SnomedToDevice.TryGetValue(snomed, out var mapped))
                    {
                        found.Add(mapped);
                    }
                }

                var distinct = found.Distinct().ToList();
                if (distinct.Count > 1)
                {
                    f.Error($"{relative}.valueCodeableConcept", $"names different devices ({string.Join(", ", distinct)}): give one");
                }
                else if (distinct.Count == 0 && f.Errors.Count == errors)
                {
                    f.Error($"{relative}.valueCodeableConcept",
                        $"has no oxygen device code: give a code from {devices.System} ({string.Join(", ", devices.Codes)}) or one of the SNOMED CT devices {string.Join(", ", devices.SnomedToDevice.Keys)}",
                        OperationOutcome.IssueType.CodeInvalid);
                }

                return f.Errors.Count == errors && distinct.Count == 1 ? distinct[0] : null;
            default:
                f.Error($"{relative}.value{Suffix(value)}", $"must be a valueCodeableConcept with a code from {devices.System}");
                return null;
        }
    }

    /// <summary>The neuro-check items as components of one Observation: one NeuroCheck reading.</summary>
    private List<ReadingDraft> NeuroCheckPanel(Observation o, Findings f)
    {
        if (o.Value is not null)
        {
            f.Error($".value{Suffix(o.Value)}", "must be absent: a neuro-check panel carries its items in component");
        }

        var answers = new NeuroAnswers(data.NeuroCheck, f);
        for (var i = 0; i < o.Component.Count; i++)
        {
            var component = o.Component[i];
            var relative = $".component[{i}]";
            var linkId = component.Code?.Coding.FirstOrDefault(c => c.System == Codes.CrsmonitorSystem)?.Code;
            if (data.NeuroCheck.Item(linkId) is not { } item)
            {
                f.Error($"{relative}.code", $"is not a neuro-check item: use a code of {Codes.CrsmonitorSystem} ({string.Join(", ", data.NeuroCheck.Items.Select(x => x.LinkId))})",
                    OperationOutcome.IssueType.CodeInvalid);
                continue;
            }

            if (component.Value is null)
            {
                if (component.DataAbsentReason is null)
                {
                    f.Error($"{relative}.value[x]", $"is missing: {item.LinkId} takes {item.Expected}", OperationOutcome.IssueType.Required);
                }

                continue;
            }

            answers.Add(item, component.Value, $"{relative}.value{Suffix(component.Value)}", $"{relative}.code");
        }

        return answers.Finish(".component") is { } detail ? [new ReadingDraft(ReadingKind.NeuroCheck) { Detail = detail }] : [];
    }

    /// <summary>A clinician judgement: valueBoolean (1 / 0) or valueInteger in its range.</summary>
    private static List<ReadingDraft> ClinicianInput(Observation o, ClinicianInputCode input, Findings f)
    {
        switch (o.Value)
        {
            case FhirBoolean { Value: { } flag } when input.IsBoolean:
                if (input.TrueOnly && !flag)
                {
                    f.Error(".valueBoolean", $"is false, but an Observation coded {input.Code} records the finding (true); to withdraw one, mark it entered-in-error");
                    return [];
                }

                return [new ReadingDraft(ReadingKind.ClinicianInput) { Code = input.Code, Value = flag ? 1 : 0 }];
            case Integer { Value: { } number } when !input.IsBoolean:
                if (number < input.Min || number > input.Max)
                {
                    f.Error(".valueInteger", $"{Number(number)} is outside {Number(input.Min)} to {Number(input.Max)} for {input.Code}", OperationOutcome.IssueType.Value);
                    return [];
                }

                return [new ReadingDraft(ReadingKind.ClinicianInput) { Code = input.Code, Value = number }];
            case null when o.DataAbsentReason is not null:
                f.Warning(".dataAbsentReason", "says the value is absent: stored, not used for grading");
                return [];
            default:
                var expected = input.IsBoolean ? "a valueBoolean" : $"a valueInteger from {Number(input.Min)} to {Number(input.Max)}";
                f.Error(o.Value is null ? ".value[x]" : $".value{Suffix(o.Value)}", $"must be {expected} for {input.Code}");
                return [];
        }
    }
}
