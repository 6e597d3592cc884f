/** One screen line of fixed text: never wraps (layout depends on every line being one row). */
import { Text } from 'ink';
import type { ReactNode } from 'react';

export interface LineProps {
  children?: ReactNode;
  color?: string;
  backgroundColor?: string;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}

export function Line({ children, color, backgroundColor, bold, dim, inverse }: LineProps) {
  return (
    <Text wrap="truncate" color={color} backgroundColor={backgroundColor} bold={bold} dimColor={dim} inverse={inverse}>
      {children === undefined || children === '' ? ' ' : children}
    </Text>
  );
}

/** A table row: `> ` marks the selection (readable without colour, and by tests), inverse when selected. */
export function Row({ text, selected, color, dim }: { text: string; selected: boolean; color?: string; dim?: boolean }) {
  return (
    <Line inverse={selected} color={color} dim={dim && !selected}>
      {`${selected ? '>' : ' '} ${text}`}
    </Line>
  );
}
