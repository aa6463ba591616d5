using CrsMonitor.Service.Hl7v2.Er7;
using CrsMonitor.Service.Ingest;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Hl7v2.Translation;

/// <summary>
/// ORU^R01 → Observations. Each OBX under an OBR is one Observation of the patient of the PID before it; an OBR coded
/// as the neuro-check panel makes one panel Observation whose components are its OBXs. OBX-11 gives the status
/// (F final, C corrected: a new version of that result, P/R preliminary, W/D retracted, X no result). A result is
/// identified by sender, filler order number, patient, code, sub-id and time, so a correction or retraction finds
/// the Observation it replaces as a FHIR correction does (same identifier, next version).
/// </summary>
internal sealed class OruTranslator(V2Identifiers identifiers, V2Codes codes, V2Values values, V2Time time, IngestData ingest)
{
    public const string ResultSystem = "https://crsmonitor.org/fhir/NamingSystem/hl7v2-result";

    public V2Translation Translate(Er7Message message, MessageHeader header)
    {
        var findings = new V2Findings();
        var entries = new List<V2Entry>();
        V2Patient? patient = null;
        Er7Segment? obr = null;
        (Observation Panel, FieldMap Fields)? panel = null;
        var patientSeen = false;
        foreach (var segment in message.Segments.Skip(1))
        {
            switch (segment.Id)
            {
                case "PID":
                    patientSeen = true;
                    patient = V2Patient.Read(segment, identifiers, findings);
                    obr = null;
                    panel = null;
                    break;
                case "OBR":
                    if (!patientSeen)
                    {
                        findings.Error(segment.At(0), "comes before any PID: results belong to the patient of the PID before them", V2ErrorCode.SegmentSequenceError);
                    }

                    obr = segment;
                    panel = IsNeuroPanel(segment) ? StartPanel(segment, patient, header, findings, entries) : null;
                    break;
                case "OBX" when obr is null:
                    findings.Error(segment.At(0), "comes before any OBR: each result belongs to an order (OBR)", V2ErrorCode.SegmentSequenceError);
                    break;
                case "OBX" when panel is { } p:
                    AddComponent(p.Panel, p.Fields, segment, findings);
                    break;
                case "OBX":
                    if (patient is not null && Result(segment, obr, patient, header, findings) is { } entry)
                    {
                        entries.Add(entry);
                    }

                    break;
                default:
                    break; // PV1, ORC, NTE, SPM, TQ1, CTI, Z segments: not read
            }
        }

        if (entries.Count == 0 && !findings.HasErrors)
        {
            findings.Required(new Er7Location("OBX", 0), "no OBX: an ORU^R01 here carries at least one result");
        }

        return new V2Translation(entries, findings);
    }

    private V2Entry? Result(Er7Segment obx, Er7Segment obr, V2Patient patient, MessageHeader header, V2Findings findings)
    {
        if (!obx[3].IsPresent)
        {
            findings.Required(obx.At(3), "is empty: the observation identifier says what was measured");
            return null;
        }

        var code = codes.Concept(obx[3].First);
        var status = Status(obx, findings);
        var (effective, effectiveAt) = Effective(obx, obr, findings);
        var observation = new Observation
        {
            Status = status,
            Code = code,
            Subject = patient.Reference(),
            Value = values.Read(obx, IsOurs(code), findings),
            Effective = effective is null ? null : new FhirDateTime(effective),
        };
        observation.Identifier.Add(new Identifier(ResultSystem, Key(header, obr, patient, obx[3].First, obx[4].Value, obx[14].Value.Length > 0 ? obx[14].Value : obr[7].Value)));
        var fields = new FieldMap(obx.At(0))
            .Add("status", obx.At(11)).Add("code", obx.At(3)).Add("value", obx.At(5)).Add("valueQuantity.unit", obx.At(6))
            .Add("valueQuantity.code", obx.At(6)).Add("valueQuantity.system", obx.At(6)).Add("valueQuantity.comparator", obx.At(5))
            .Add("effective", effectiveAt).Add("subject", patient.Pid.At(3)).Add("identifier", obr.At(3));
        return V2Entry.Create(observation, fields);
    }

    private (Observation, FieldMap)? StartPanel(Er7Segment obr, V2Patient? patient, MessageHeader header, V2Findings findings, List<V2Entry> entries)
    {
        if (patient is null)
        {
            return null;
        }

        var effectiveText = obr[7].Value;
        var effective = time.DateTime(effectiveText, obr.At(7), findings);
        var panel = new Observation
        {
            Status = ObservationStatus.Final,
            Code = codes.Concept(obr[4].First),
            Subject = patient.Reference(),
            Effective = effective is null ? null : new FhirDateTime(effective),
        };
        panel.Identifier.Add(new Identifier(ResultSystem, Key(header, obr, patient, obr[4].First, string.Empty, effectiveText)));
        var fields = new FieldMap(obr.At(0)).Add("code", obr.At(4)).Add("effective", obr.At(7)).Add("subject", patient.Pid.At(3)).Add("identifier", obr.At(3));
        entries.Add(V2Entry.Create(panel, fields));
        return (panel, fields);
    }

    /// <summary>One OBX of a neuro-check panel: a component; the panel's status is that of its OBXs (they must agree).</summary>
    private void AddComponent(Observation panel, FieldMap fields, Er7Segment obx, V2Findings findings)
    {
        var index = panel.Component.Count;
        var status = Status(obx, findings);
        if (index == 0)
        {
            panel.Status = status;
            fields.Add("status", obx.At(11));
        }
        else if (status != panel.Status)
        {
            findings.Error(obx.At(11), "differs from the panel's first OBX-11: the items of one neuro check share one status");
        }

        var component = new Observation.ComponentComponent
        {
            Code = codes.Concept(obx[3].First),
            Value = values.Read(obx, integer: true, findings),
        };
        panel.Component.Add(component);
        fields.Add($"component[{index}]", obx.At(0)).Add($"component[{index}].code", obx.At(3)).Add($"component[{index}].value", obx.At(5));
    }

    private (string? Value, Er7Location At) Effective(Er7Segment obx, Er7Segment obr, V2Findings findings) =>
        obx[14].IsPresent
            ? (time.DateTime(obx[14].Value, obx.At(14), findings), obx.At(14))
            : (time.DateTime(obr[7].Value, obr.At(7), findings), obr[7].IsPresent ? obr.At(7) : obx.At(14));

    private static ObservationStatus? Status(Er7Segment obx, V2Findings findings)
    {
        switch (obx[11].Value)
        {
            case "F":
                return ObservationStatus.Final;
            case "C":
                return ObservationStatus.Corrected;
            case "P" or "R":
                return ObservationStatus.Preliminary;
            case "W" or "D":
                return ObservationStatus.EnteredInError;
            case "X":
                return ObservationStatus.Cancelled;
            case "":
                findings.Required(obx.At(11), "is empty: the result status (F, C, P, R, W, D or X) says what the value is");
                return null;
            default:
                findings.Error(obx.At(11), $"'{obx[11].Value}' is not a result status read here (F final, C corrected, P/R preliminary, W/D retracted, X no result)",
                    V2ErrorCode.TableValueNotFound);
                return null;
        }
    }

    private bool IsNeuroPanel(Er7Segment obr)
    {
        var table = ingest.Observations;
        return codes.Concept(obr[4].First).Coding.Exists(c => c.System == table.CrsmonitorSystem && c.Code == table.NeuroCheckPanelCode);
    }

    private bool IsOurs(CodeableConcept code) => code.Coding.Exists(c => c.System == ingest.Observations.CrsmonitorSystem);

    /// <summary>The identity of one result across messages: what a correction (C) or retraction (W, D) must repeat.</summary>
    private static string Key(MessageHeader header, Er7Segment obr, V2Patient patient, Er7Repetition code, string subId, string time)
    {
        var order = obr[3].IsPresent ? obr[3].Value + "^" + obr[3][2] : obr[2].Value + "^" + obr[2][2];
        return string.Join('|', header.SendingApplication, header.SendingFacility, order, patient.Key.System + "|" + patient.Key.Value,
            code[1].Value + "^" + code[3].Value, subId, time);
    }
}
