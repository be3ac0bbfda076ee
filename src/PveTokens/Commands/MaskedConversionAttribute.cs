// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Linq;
using System.Management.Automation;
using PveTokens.Access;

namespace PveTokens.Commands;

/// <summary>
/// Converts text given to a positional parameter that does not take text (an enum, a session) the
/// way the binder would, but fails with the text quoted through <see cref="InputEcho.Quote"/>: the
/// binder's own message quotes the value whole, and a token string pasted into the wrong position
/// would show its secret there and in $Error.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class MaskedConversionAttribute : ArgumentTransformationAttribute
{
    private readonly Type _type;

    internal MaskedConversionAttribute(Type type) => _type = type;

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is not string text)
        {
            return inputData;
        }

        Type element = _type.IsArray ? _type.GetElementType()! : _type;
        try
        {
            return LanguagePrimitives.ConvertTo(text, _type, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (PSInvalidCastException)
        {
            string expected = element.IsEnum
                ? "one of " + string.Join(", ", Enum.GetNames(element))
                : $"a {element.Name} object (text is not one)";
            throw new ArgumentTransformationMetadataException($"'{InputEcho.Quote(text)}' is not a valid value here: expected {expected}.");
        }
    }
}
