namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>
/// The three HL7 US Core vital-sign examples of shared/fhir-examples, verbatim (HL7 examples are CC0): what real
/// interfaces send (several codings on one code, components for oxygen flow, date-only effective times).
/// </summary>
public static class Hl7Examples
{
    /// <summary>us-core-Observation-blood-pressure.json</summary>
    public const string BloodPressure = """
        {
          "resourceType": "Observation",
          "id": "blood-pressure",
          "meta": {
            "profile": [
              "http://hl7.org/fhir/us/core/StructureDefinition/us-core-blood-pressure"
            ]
          },
          "status": "final",
          "category": [
            {
              "text": "Vital Signs",
              "coding": [
                {
                  "code": "vital-signs",
                  "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                  "display": "Vital Signs"
                }
              ]
            }
          ],
          "code": {
            "text": "Blood pressure systolic and diastolic",
            "coding": [
              {
                "code": "85354-9",
                "system": "http://loinc.org",
                "display": "Blood pressure panel with all children optional"
              }
            ]
          },
          "subject": {
            "display": "Amy Shaw",
            "reference": "Patient/example"
          },
          "encounter": {
            "display": "GP Visit"
          },
          "effectiveDateTime": "1999-07-02",
          "component": [
            {
              "code": {
                "text": "Systolic blood pressure",
                "coding": [
                  {
                    "code": "8480-6",
                    "system": "http://loinc.org",
                    "display": "Systolic blood pressure"
                  }
                ]
              },
              "valueQuantity": {
                "code": "mm[Hg]",
                "unit": "mmHg",
                "value": 109,
                "system": "http://unitsofmeasure.org"
              }
            },
            {
              "code": {
                "text": "Diastolic blood pressure",
                "coding": [
                  {
                    "code": "8462-4",
                    "system": "http://loinc.org",
                    "display": "Diastolic blood pressure"
                  }
                ]
              },
              "valueQuantity": {
                "code": "mm[Hg]",
                "unit": "mmHg",
                "value": 44,
                "system": "http://unitsofmeasure.org"
              }
            }
          ]
        }
        """;

    /// <summary>us-core-Observation-satO2-fiO2.json</summary>
    public const string SatO2FiO2 = """
        {
          "resourceType": "Observation",
          "id": "satO2-fiO2",
          "meta": {
            "profile": [
              "http://hl7.org/fhir/us/core/StructureDefinition/us-core-pulse-oximetry"
            ]
          },
          "identifier": [
            {
              "system": "http://goodcare.org/observation/id",
              "value": "o1223435-10"
            }
          ],
          "status": "final",
          "category": [
            {
              "coding": [
                {
                  "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                  "code": "vital-signs",
                  "display": "Vital Signs"
                }
              ],
              "text": "Vital Signs"
            }
          ],
          "code": {
            "coding": [
              {
                "system": "http://loinc.org",
                "code": "2708-6",
                "display": "Oxygen saturation in Arterial blood"
              },
              {
                "system": "http://loinc.org",
                "code": "59408-5",
                "display": "Oxygen saturation in Arterial blood by Pulse oximetry"
              },
              {
                "system": "urn:iso:std:iso:11073:10101",
                "code": "150456",
                "display": "MDC_PULS_OXIM_SAT_O2"
              }
            ]
          },
          "subject": {
            "reference": "Patient/example"
          },
          "effectiveDateTime": "2014-12-05T09:30:10+01:00",
          "valueQuantity": {
            "value": 95,
            "unit": "%",
            "system": "http://unitsofmeasure.org",
            "code": "%"
          },
          "interpretation": [
            {
              "coding": [
                {
                  "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                  "code": "N",
                  "display": "Normal"
                }
              ],
              "text": "Normal (applies to non-numeric results)"
            }
          ],
          "device": {
            "display": "Acme Pulse Oximeter 2000"
          },
          "referenceRange": [
            {
              "low": {
                "value": 90,
                "unit": "%",
                "system": "http://unitsofmeasure.org",
                "code": "%"
              },
              "high": {
                "value": 99,
                "unit": "%",
                "system": "http://unitsofmeasure.org",
                "code": "%"
              }
            }
          ],
          "component": [
            {
              "code": {
                "coding": [
                  {
                    "system": "http://loinc.org",
                    "code": "3151-8",
                    "display": "Inhaled oxygen flow rate"
                  }
                ],
                "text": "Inhaled oxygen flow rate"
              },
              "valueQuantity": {
                "value": 6,
                "unit": "liters/min",
                "system": "http://unitsofmeasure.org",
                "code": "L/min"
              }
            }
          ]
        }
        """;

    /// <summary>us-core-Observation-temperature.json</summary>
    public const string Temperature = """
        {
          "resourceType": "Observation",
          "id": "temperature",
          "meta": {
            "profile": [
              "http://hl7.org/fhir/us/core/StructureDefinition/us-core-body-temperature"
            ]
          },
          "status": "final",
          "category": [
            {
              "text": "Vital Signs",
              "coding": [
                {
                  "code": "vital-signs",
                  "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                  "display": "Vital Signs"
                }
              ]
            }
          ],
          "code": {
            "text": "temperature",
            "coding": [
              {
                "code": "8310-5",
                "system": "http://loinc.org",
                "display": "Body temperature"
              }
            ]
          },
          "subject": {
            "display": "Amy Shaw",
            "reference": "Patient/example"
          },
          "encounter": {
            "display": "GP Visit"
          },
          "effectiveDateTime": "1999-07-02",
          "valueQuantity": {
            "code": "Cel",
            "unit": "Cel",
            "value": 36.55556,
            "system": "http://unitsofmeasure.org"
          }
        }
        """;
}
