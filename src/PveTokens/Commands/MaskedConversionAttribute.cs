// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections;
using System.Globalization;
using System.Management.Automation;
using PveTokens.Access;

namespace PveTokens.Commands;

/// <summary>
/// Keeps PowerShell's binder from quoting a secret when it refuses a value for a parameter that does
/// not take text (a date, a number, an enum, a session, a token object). The binder's message quotes
/// the value whole ("Cannot convert value "ci@pve!deploy=SECRET" to type "System.DateTime""), and a
/// token string pasted into the wrong parameter would show its secret there and in $Error.
/// </summary>
/// <remarks>
/// The attribute never converts and never refuses: a value the binder can convert is passed on
/// untouched, so the binder's rules (current culture, array coercion, pipeline order) stay its own.
/// Only a value it cannot convert, and whose text would show a secret, is replaced by that text
/// masked through <see cref="InputEcho.Quote"/>; the binder then refuses the stand-in with its usual
/// message. Throwing here instead would break pipeline binding: the binder treats a failed
/// transformation as fatal for the input object, so a CSV row piped for its UserId would be refused
/// because it is not a session.
/// </remarks>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class MaskedConversionAttribute : ArgumentTransformationAttribute
{
    internal MaskedConversionAttribute(Type type)
    {
        Type = type;
        _elementType = type.IsArray ? type.GetElementType()! : type;
    }

    /// <summary>Gets the parameter's type, the type the binder converts to.</summary>
    internal Type Type { get; }

    private readonly Type _elementType;

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = Unwrap(inputData);
        if (value is null || Type.IsInstanceOfType(value) || _elementType.IsInstanceOfType(value))
        {
            return inputData;
        }

        if (Type.IsArray && value is IList items)
        {
            object?[] masked = new object?[items.Count];
            bool changed = false;
            for (int i = 0; i < items.Count; i++)
            {
                masked[i] = MaskIfRefused(items[i], _elementType);
                changed |= !ReferenceEquals(masked[i], items[i]);
            }

            return changed ? masked : inputData;
        }

        return MaskIfRefused(inputData, Type);
    }

    private static object? Unwrap(object? input) => input is PSObject wrapped ? wrapped.BaseObject : input;

    private static object? MaskIfRefused(object? input, Type type)
    {
        object? value = Unwrap(input);

        // The module's own objects (a token piped past -Session on its way to -InputObject) show no
        // secret in their text, a rule the secrets tests hold every model to: the common pipeline case stays cheap.
        if (value is null || type.IsInstanceOfType(value) || value.GetType().Assembly == typeof(MaskedConversionAttribute).Assembly)
        {
            return input;
        }

        // The text the binder would quote (an object's as PowerShell shows it: @{Token=...} for a
        // custom object, the elements for a list); a value whose text shows no secret is left alone.
        string text = value as string ?? PSObject.AsPSObject(input).ToString();
        string quoted = InputEcho.Quote(text);
        if (quoted.Equals(text, StringComparison.Ordinal))
        {
            return input;
        }

        // Binary cmdlets convert with the current culture (PowerShell/PowerShell#6989); ask the same question.
        if (LanguagePrimitives.TryConvertTo(input, type, CultureInfo.CurrentCulture, out object? _))
        {
            return input;
        }

        // A string stand-in even for a custom object: handed an object, the binder's message for a
        // value type says the same sentence twice.
        return value is PSCustomObject && input is PSObject row ? MaskedText(row) : quoted;
    }

    /// <summary>
    /// A custom object (a CSV row, a request body) as PowerShell shows it, with its property names
    /// and every value masked: a value's own text cannot tell whether it is a secret (a password under
    /// a "password" key looks like any other word).
    /// </summary>
    private static string MaskedText(PSObject row)
    {
        var copy = new PSObject();
        foreach (PSPropertyInfo property in row.Properties)
        {
            copy.Properties.Add(new PSNoteProperty(property.Name, InputEcho.Mask));
        }

        return copy.ToString();
    }
}
