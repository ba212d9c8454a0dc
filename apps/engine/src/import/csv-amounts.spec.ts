import { describe, expect, it } from '@jest/globals';
import { AmountRule, decimalShownBy } from './csv-amounts.js';

const comma = new AmountRule(',', 'EUR', 'declared');
const point = new AmountRule('.', 'EUR', 'declared');

describe('the decimal separator a value shows', () => {
  it('is the last one when both appear, the other when one repeats, the one not followed by three digits', () => {
    expect(['1.234,50', '1,234.50', '1.234.567', '1,234,567', '12,5', '3.14', '0,0001'].map((v) => decimalShownBy(v))).toEqual([',', '.', ',', '.', ',', '.', ',']);
  });

  it('is the one after a zero whole part even before three digits: 0.001 is never a thousand', () => {
    expect(decimalShownBy('0.001')).toBe('.');
    expect(decimalShownBy('0,250 €')).toBe(',');
  });

  it('is unknown for whole numbers and for one separator before three digits', () => {
    expect(['12', '1,234', '1.234', '-', 'douze'].map((v) => decimalShownBy(v))).toEqual([null, null, null, null, null]);
  });
});

describe('amounts read by one rule per file', () => {
  it('reads decimals, spaces and marks in the currency minor unit', () => {
    expect(comma.read('12,50', 'prix')).toEqual({ minor: 1250, rounded: null });
    expect(comma.read('1 234,56 €', 'prix').minor).toBe(123456);
    expect(comma.read('1.234,56', 'prix').minor).toBe(123456);
    expect(point.read('1,234.56', 'price').minor).toBe(123456);
    expect(point.read('-3.10', 'price').minor).toBe(-310);
    expect(point.read('7', 'price').minor).toBe(700);
  });

  it('rounds extra decimals half away from zero to the minor unit, and says so', () => {
    expect(point.read('0.001', 'price')).toEqual({ minor: 0, rounded: '0.001' });
    expect(point.read('0.005', 'price')).toEqual({ minor: 1, rounded: '0.005' });
    expect(point.read('-0.125', 'price')).toEqual({ minor: -13, rounded: '-0.125' });
    expect(point.read('2.500', 'price')).toEqual({ minor: 250, rounded: null });
    expect(new AmountRule(',', 'JPY', 'declared').read('1 250,5', 'prix')).toEqual({ minor: 1251, rounded: '1 250,5' });
    expect(new AmountRule('.', 'KWD', 'declared').read('1.2345', 'price')).toEqual({ minor: 1235, rounded: '1.2345' });
    expect(new AmountRule('.', 'JPY', 'declared').read('1250', 'price')).toEqual({ minor: 1250, rounded: null });
  });

  it('refuses what could be read two ways, and what is not an amount', () => {
    expect(() => comma.read('0.001', 'prix')).toThrow('prix: "0.001" is ambiguous: this file\'s decimal separator is ","');
    expect(() => comma.read('1.234', 'prix')).toThrow('is ambiguous');
    expect(() => new AmountRule(null, 'EUR', 'none').read('1,234', 'prix')).toThrow('declare it: --decimal comma or --decimal point');
    expect(new AmountRule(null, 'EUR', 'none').read('1234', 'prix').minor).toBe(123400);
    expect(() => comma.read('12,50,1', 'prix')).toThrow('is not an amount in EUR (e.g. 12,50)');
    expect(() => comma.read('douze', 'prix')).toThrow('prix: "douze" is not an amount in EUR (e.g. 12,50)');
    expect(() => comma.read('01.234,50', 'prix')).toThrow('is not an amount');
    expect(() => point.read('', 'price')).toThrow('price: missing amount');
    expect(new AmountRule('.', 'GBP', 'declared').read('£4.50', 'price').minor).toBe(450);
    expect(new AmountRule('.', 'GBP', 'declared').read('4.50 GBP', 'price').minor).toBe(450);
    expect(() => new AmountRule('.', 'GBP', 'declared').read('€5.00', 'price')).toThrow('price: "€5.00" is in €, not in GBP, the merchant\'s currency');
    expect(() => new AmountRule('.', 'GBP', 'declared').read('5.00 EUR', 'price')).toThrow('is in EUR, not in GBP');
    expect(() => point.read('20000000', 'price')).toThrow('above the limit of 10000000.00 EUR');
  });
});
