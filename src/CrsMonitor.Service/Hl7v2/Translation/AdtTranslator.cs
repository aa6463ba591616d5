using CrsMonitor.Service.Hl7v2.Er7;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Hl7v2.Translation;

/// <summary>
/// ADT → the Patient (PID) and the Encounter of the stay (PV1), exactly as a FHIR ADT feed sends them: the Encounter
/// is found again by its visit number (PV1-19), its location (PV1-3 point of care) is the unit id of tokens, and it is
/// in progress unless discharged (A03, or a discharge time in PV1-45) or cancelled (A11). A01 admit, A04 register,
/// A02 transfer, A08 update and A13 cancel discharge all send the stay as it now is; the Encounter's next version
/// moves the patient (and their open alerts) between units as a FHIR Encounter update does.
/// </summary>
internal sealed class AdtTranslator(V2Identifiers identifiers, V2Time time)
{
    public const string ClassSystem = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

    public V2Translation Translate(Er7Message message, MessageHeader header)
    {
        var findings = new V2Findings();
        var entries = new List<V2Entry>();
        var pid = message.First("PID");
        var pv1 = message.First("PV1");
        if (pid is null || pv1 is null)
        {
            findings.Required(new Er7Location(pid is null ? "PID" : "PV1", 0), $"is missing: {header.Type} needs the patient (PID) and the visit (PV1)");
            return new V2Translation(entries, findings);
        }

        var who = V2Patient.Read(pid, identifiers, findings);
        var patient = Patient(pid, who, findings);
        var encounter = Encounter(header, pv1, message, findings);
        if (who is null || encounter is null)
        {
            return new V2Translation(entries, findings);
        }

        var patientEntry = V2Entry.Create(patient, new FieldMap(pid.At(0))
            .Add("identifier", pid.At(3)).Add("name", pid.At(5)).Add("birthDate", pid.At(7)).Add("gender", pid.At(8)));
        encounter.Subject = new ResourceReference(patientEntry.Entry.FullUrl);
        entries.Add(patientEntry);
        entries.Add(V2Entry.Create(encounter, new FieldMap(pv1.At(0))
            .Add("identifier", pv1.At(19)).Add("location", pv1.At(3)).Add("class", pv1.At(2)).Add("period.start", pv1.At(44))
            .Add("period.end", pv1.At(45)).Add("subject", pid.At(3)).Add("status", message.Msh.At(9, 2))));
        return new V2Translation(entries, findings);
    }

    private static Patient Patient(Er7Segment pid, V2Patient? who, V2Findings findings)
    {
        var patient = new Patient();
        patient.Identifier.AddRange(who?.All ?? []);
        var name = pid[5].First;
        if (name[1].Value.Length > 0 || name[2].Value.Length > 0)
        {
            var human = new HumanName { Family = name[1].Value.Length > 0 ? name[1].Value : null };
            human.Given = new[] { name[2].Value, name[3].Value }.Where(g => g.Length > 0).ToList();
            patient.Name.Add(human);
        }

        patient.BirthDate = V2Time.Date(pid[7].Value, pid.At(7), findings);
        patient.Gender = pid[8].Value switch
        {
            "" => null,
            "M" => AdministrativeGender.Male,
            "F" => AdministrativeGender.Female,
            "O" or "A" or "X" => AdministrativeGender.Other,
            "U" or "N" => AdministrativeGender.Unknown,
            var other => Unknown(findings, pid.At(8), other),
        };
        return patient;
    }

    private static AdministrativeGender? Unknown(V2Findings findings, Er7Location at, string value)
    {
        findings.Error(at, $"'{value}' is not an administrative sex of HL7 table 0001 (M, F, O, U, A, N, X)", V2ErrorCode.TableValueNotFound);
        return null;
    }

    private Encounter? Encounter(MessageHeader header, Er7Segment pv1, Er7Message message, V2Findings findings)
    {
        if (!pv1[19].IsPresent)
        {
            findings.Required(pv1.At(19), "is empty: the visit number finds the stay again at transfer, discharge and cancel");
            return null;
        }

        var visit = identifiers.Read(pv1[19].First, pv1.At(19), findings, "the visit number");
        var unit = pv1[3][1];
        var discharged = time.DateTime(pv1[45].Value, pv1.At(45), findings);
        var encounter = new Encounter
        {
            Status = header.TriggerEvent switch
            {
                "A11" => Hl7.Fhir.Model.Encounter.EncounterStatus.Cancelled,
                "A03" => Hl7.Fhir.Model.Encounter.EncounterStatus.Finished,
                "A13" => Hl7.Fhir.Model.Encounter.EncounterStatus.InProgress,
                _ when discharged is not null => Hl7.Fhir.Model.Encounter.EncounterStatus.Finished,
                _ => Hl7.Fhir.Model.Encounter.EncounterStatus.InProgress,
            },
            Class = Class(pv1, header, findings),
            Period = new Period { Start = time.DateTime(pv1[44].Value, pv1.At(44), findings) },
        };
        if (header.TriggerEvent != "A13")
        {
            encounter.Period.End = discharged ?? (header.TriggerEvent == "A03" ? EventTime(message, findings) : null);
        }

        if (unit.Length > 0)
        {
            encounter.Location.Add(new Hl7.Fhir.Model.Encounter.LocationComponent { Location = new ResourceReference("Location/" + unit) });
        }
        else if (header.TriggerEvent is "A01" or "A02" or "A04" or "A13")
        {
            findings.Required(pv1.At(3, 1), $"is empty: {header.Type} places the patient on a unit (the point of care is the unit id)");
        }

        if (encounter.Period.Start is null && encounter.Period.End is null)
        {
            encounter.Period = null;
        }

        return visit is null ? null : WithIdentifier(encounter, visit);
    }

    private static Encounter WithIdentifier(Encounter encounter, Identifier visit)
    {
        encounter.Identifier.Add(visit);
        return encounter;
    }

    /// <summary>When a discharge happened if PV1-45 does not say: EVN-6 (event occurred), else EVN-2 (recorded).</summary>
    private string? EventTime(Er7Message message, V2Findings findings) =>
        message.First("EVN") is { } evn
            ? time.DateTime(evn[6].IsPresent ? evn[6].Value : evn[2].Value, evn.At(evn[6].IsPresent ? 6 : 2), findings)
            : null;

    /// <summary>PV1-2 patient class (HL7 table 0004) as the Encounter's class; absent: inpatient, or ambulatory for A04.</summary>
    private static Coding Class(Er7Segment pv1, MessageHeader header, V2Findings findings) => pv1[2].Value switch
    {
        "I" => new Coding(ClassSystem, "IMP", "inpatient encounter"),
        "O" => new Coding(ClassSystem, "AMB", "ambulatory"),
        "E" => new Coding(ClassSystem, "EMER", "emergency"),
        "P" => new Coding(ClassSystem, "PRENC", "pre-admission"),
        "R" or "B" => new Coding(ClassSystem, "AMB", "ambulatory"),
        "" => header.TriggerEvent == "A04" ? new Coding(ClassSystem, "AMB", "ambulatory") : new Coding(ClassSystem, "IMP", "inpatient encounter"),
        var other => UnknownClass(findings, pv1.At(2), other),
    };

    private static Coding UnknownClass(V2Findings findings, Er7Location at, string value)
    {
        findings.Error(at, $"'{value}' is not a patient class read here (HL7 table 0004: I, O, E, P, R, B)", V2ErrorCode.TableValueNotFound);
        return new Coding(ClassSystem, "IMP");
    }
}
