using CrsMonitor.Service.Hl7v2.Er7;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Hl7v2.Translation;

/// <summary>
/// RAS^O17 → MedicationAdministrations: each RXA under its ORC is one administration of the patient of the PID. The
/// drug (RXA-5) is read by the drug map as for FHIR (protocol drugs open windows; premedication, tocilizumab and
/// vasopressors are graded). RXA-3/RXA-4 give the time or period; an infusion with a rate (RXA-12) and no end yet is in
/// progress (running). RXA-20 RE/NA is not done; RXA-21 D retracts it (entered-in-error) and U sends its next version.
/// The administration is identified by sender, order number (ORC-3, else ORC-2) and RXA-1/RXA-2, so an update or a
/// deletion finds the one it changes.
/// </summary>
internal sealed class RasTranslator(V2Identifiers identifiers, V2Codes codes, V2Values values, V2Time time)
{
    public const string AdministrationSystem = "https://crsmonitor.org/fhir/NamingSystem/hl7v2-administration";

    public V2Translation Translate(Er7Message message, MessageHeader header)
    {
        var findings = new V2Findings();
        var entries = new List<V2Entry>();
        var pid = message.First("PID");
        if (pid is null)
        {
            findings.Required(new Er7Location("PID", 0), "is missing: an administration belongs to the patient of the PID");
            return new V2Translation(entries, findings);
        }

        var patient = V2Patient.Read(pid, identifiers, findings);
        Er7Segment? orc = null;
        V2Entry? last = null;
        foreach (var segment in message.Segments.Skip(1))
        {
            switch (segment.Id)
            {
                case "ORC":
                    orc = segment;
                    last = null;
                    break;
                case "RXA" when orc is null:
                    findings.Error(segment.At(0), "comes before any ORC: each administration belongs to an order", V2ErrorCode.SegmentSequenceError);
                    break;
                case "RXA":
                    last = patient is null ? null : Administration(segment, orc, patient, header, findings);
                    if (last is not null)
                    {
                        entries.Add(last);
                    }

                    break;
                case "RXR" when last is not null:
                    var given = (MedicationAdministration)last.Resource;
                    given.Dosage ??= new MedicationAdministration.DosageComponent();
                    given.Dosage.Route = codes.Concept(segment[1].First);
                    last.Fields.Add("dosage.route", segment.At(1));
                    break;
                default:
                    break; // TQ1, RXO, RXE, RXC, OBX, NTE, CTI, PV1 and Z segments: not read
            }
        }

        if (entries.Count == 0 && !findings.HasErrors)
        {
            findings.Required(new Er7Location("RXA", 0), "no RXA: a RAS^O17 here carries at least one administration");
        }

        return new V2Translation(entries, findings);
    }

    private V2Entry? Administration(Er7Segment rxa, Er7Segment orc, V2Patient patient, MessageHeader header, V2Findings findings)
    {
        var order = orc[3].IsPresent ? orc[3] : orc[2];
        if (!order.IsPresent)
        {
            findings.Required(orc.At(3), "is empty (and so is ORC-2): the order number identifies the administration for its update or deletion");
            return null;
        }

        if (!rxa[5].IsPresent)
        {
            findings.Required(rxa.At(5), "is empty: the administered code says which drug was given");
        }

        var start = time.DateTime(rxa[3].Value, rxa.At(3), findings);
        var end = time.DateTime(rxa[4].Value, rxa.At(4), findings);
        var running = end is null && rxa[12].IsPresent;
        var administration = new MedicationAdministration
        {
            Status = Status(rxa, running, findings),
            Medication = codes.Concept(rxa[5].First),
            Subject = patient.Reference(),
            Dosage = Dosage(rxa, findings),
        };
        if (Effective(start, end, running) is { } effective)
        {
            administration.Effective = effective; // absent: the rules refuse it, naming RXA-3
        }

        administration.Identifier.Add(new Identifier(AdministrationSystem,
            string.Join('|', header.SendingApplication, header.SendingFacility, order.Value + "^" + order[2], rxa[1].Value, rxa[2].Value)));
        var fields = new FieldMap(rxa.At(0))
            .Add("status", rxa.At(20)).Add("medication", rxa.At(5)).Add("effective", rxa.At(3)).Add("effectivePeriod.end", rxa.At(4))
            .Add("dosage", rxa.At(6)).Add("dosage.dose.code", rxa.At(7)).Add("dosage.rate", rxa.At(12)).Add("subject", patient.Pid.At(3))
            .Add("identifier", orc.At(3));
        return V2Entry.Create(administration, fields);
    }

    /// <summary>An instant for a dose given at once; a period for an infusion (ended, or running with no end yet).</summary>
    private static DataType? Effective(string? start, string? end, bool running)
    {
        if (running || (end is not null && end != start))
        {
            return new Period { Start = start, End = end };
        }

        return start is null ? null : new FhirDateTime(start);
    }

    private static MedicationAdministration.MedicationAdministrationStatusCodes? Status(Er7Segment rxa, bool running, V2Findings findings)
    {
        if (rxa[21].Value == "D")
        {
            return MedicationAdministration.MedicationAdministrationStatusCodes.EnteredInError;
        }

        if (rxa[21].Value is not ("" or "A" or "U"))
        {
            findings.Error(rxa.At(21), $"'{rxa[21].Value}' is not an action code read here (A add, U update, D delete; HL7 table 0206)", V2ErrorCode.TableValueNotFound);
        }

        switch (rxa[20].Value)
        {
            case "" or "CP" or "PA":
                return running
                    ? MedicationAdministration.MedicationAdministrationStatusCodes.InProgress
                    : MedicationAdministration.MedicationAdministrationStatusCodes.Completed;
            case "RE" or "NA":
                return MedicationAdministration.MedicationAdministrationStatusCodes.NotDone;
            default:
                findings.Error(rxa.At(20), $"'{rxa[20].Value}' is not a completion status (CP complete, PA partial, RE refused, NA not given; HL7 table 0322)",
                    V2ErrorCode.TableValueNotFound);
                return null;
        }
    }

    /// <summary>The amount (RXA-6, RXA-7 units), or with RXA-12 a rate, as the basis a clinician reads.</summary>
    private MedicationAdministration.DosageComponent? Dosage(Er7Segment rxa, V2Findings findings)
    {
        if (!rxa[6].IsPresent)
        {
            return null;
        }

        if (!V2Values.TryNumber(rxa[6].Value, out var amount))
        {
            findings.Error(rxa.At(6), $"'{rxa[6].Value}' is not a number (the amount given)");
            return null;
        }

        var unit = rxa[7].First;
        var (ucum, component, problem) = values.Ucum(unit);
        if (problem is not null)
        {
            findings.Warning(rxa.At(7, component), problem + "; the dose is kept with its unit as sent (it describes the dose, grading does not read it)");
            ucum = unit[1].Value;
        }

        var quantity = new Quantity { Value = amount, Unit = unit[2].Value.Length > 0 ? unit[2].Value : ucum, Code = ucum is { Length: > 0 } ? ucum : null };
        return rxa[12].IsPresent
            ? new MedicationAdministration.DosageComponent { Rate = new Ratio(quantity, new Quantity { Value = 1, Unit = rxa[12].Value }) }
            : new MedicationAdministration.DosageComponent { Dose = quantity };
    }
}
